-- Shop services (search, orders, payments): hot-path indexes and the PaymentIntent client secret.

-- Browsing without a text query walks products by popularity and stops at the page size.
CREATE INDEX products_popularity_idx ON products (popularity DESC, id) WHERE active;
CREATE INDEX products_material_idx ON products USING gin (material);
-- Brand filter joins through brands.name_norm (already unique); colour filter matches words.
CREATE INDEX products_gender_popularity_idx ON products (gender, popularity DESC) WHERE active;

-- Client secret of a Stripe PaymentIntent, returned again on an idempotent retry.
ALTER TABLE payments ADD COLUMN client_secret text;

CREATE INDEX returns_order_idx ON returns (order_id);
CREATE INDEX orders_user_status_idx ON orders (user_id, status);
