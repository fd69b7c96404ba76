-- Style Shepherd schema v1. Money in integer cents; measurements in cm / kg.

CREATE TABLE brands (
    id          bigserial PRIMARY KEY,
    name        text NOT NULL UNIQUE,
    name_norm   text NOT NULL UNIQUE
);

CREATE TABLE products (
    id            bigserial PRIMARY KEY,
    external_id   text NOT NULL UNIQUE,
    brand_id      bigint NOT NULL REFERENCES brands(id),
    name          text NOT NULL,
    description   text NOT NULL DEFAULT '',
    gender        text NOT NULL CHECK (gender IN ('men','women','unisex','boys','girls')),
    category      text NOT NULL,
    colour        text,
    price_cents   integer NOT NULL CHECK (price_cents >= 0),
    currency      text NOT NULL DEFAULT 'USD',
    occasion      text[] NOT NULL DEFAULT '{}',
    style         text[] NOT NULL DEFAULT '{}',
    material      text[] NOT NULL DEFAULT '{}',
    popularity    real NOT NULL DEFAULT 0,
    active        boolean NOT NULL DEFAULT true,
    source_price  numeric(12,2),
    source_currency text,
    search_doc    tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english', coalesce(name, '')), 'A') ||
        setweight(to_tsvector('english', coalesce(colour, '') || ' ' || category), 'B') ||
        setweight(to_tsvector('english', coalesce(description, '')), 'C')
    ) STORED,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX products_search_idx ON products USING gin (search_doc);
CREATE INDEX products_cat_gender_price_idx ON products (category, gender, price_cents) WHERE active;
CREATE INDEX products_colour_idx ON products (colour) WHERE active;
CREATE INDEX products_brand_idx ON products (brand_id) WHERE active;
CREATE INDEX products_price_idx ON products (price_cents) WHERE active;
CREATE INDEX products_occasion_idx ON products USING gin (occasion);
CREATE INDEX products_style_idx ON products USING gin (style);

CREATE TABLE product_variants (
    id          bigserial PRIMARY KEY,
    product_id  bigint NOT NULL REFERENCES products(id) ON DELETE CASCADE,
    size_label  text NOT NULL,
    sku         text NOT NULL UNIQUE,
    stock       integer NOT NULL CHECK (stock >= 0),
    reserved    integer NOT NULL DEFAULT 0 CHECK (reserved >= 0 AND reserved <= stock),
    sort_order  smallint NOT NULL DEFAULT 0,
    UNIQUE (product_id, size_label)
);
CREATE INDEX product_variants_in_stock_idx ON product_variants (size_label, product_id) WHERE stock > reserved;

CREATE TABLE size_charts (
    id          bigserial PRIMARY KEY,
    brand_id    bigint REFERENCES brands(id),
    category    text NOT NULL,
    gender      text NOT NULL,
    size_system text NOT NULL,
    size_label  text NOT NULL,
    sort_order  smallint NOT NULL DEFAULT 0,
    chest_min real, chest_max real,
    waist_min real, waist_max real,
    hips_min  real, hips_max  real,
    height_min real, height_max real,
    foot_min  real, foot_max  real
);
CREATE UNIQUE INDEX size_charts_key ON size_charts (coalesce(brand_id, 0), category, gender, size_label);

CREATE TABLE users (
    id            bigserial PRIMARY KEY,
    kind          text NOT NULL CHECK (kind IN ('guest','workos')),
    external_id   text UNIQUE,
    email         text,
    display_name  text,
    created_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE user_profiles (
    user_id       bigint PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    height_cm     real,
    weight_kg     real,
    chest_cm      real,
    waist_cm      real,
    hips_cm       real,
    foot_cm       real,
    body_type     text,
    preferences   jsonb NOT NULL DEFAULT '{}'::jsonb,
    updated_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE carts (
    id          bigserial PRIMARY KEY,
    user_id     bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    status      text NOT NULL DEFAULT 'open' CHECK (status IN ('open','ordered','abandoned')),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX carts_one_open_per_user ON carts (user_id) WHERE status = 'open';

CREATE TABLE cart_items (
    id          bigserial PRIMARY KEY,
    cart_id     bigint NOT NULL REFERENCES carts(id) ON DELETE CASCADE,
    variant_id  bigint NOT NULL REFERENCES product_variants(id),
    quantity    integer NOT NULL CHECK (quantity BETWEEN 1 AND 20),
    added_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (cart_id, variant_id)
);

CREATE TABLE orders (
    id               bigserial PRIMARY KEY,
    user_id          bigint NOT NULL REFERENCES users(id),
    cart_id          bigint REFERENCES carts(id),
    status           text NOT NULL CHECK (status IN ('created','awaiting_payment','paid','fulfilled',
                                                     'cancelled','return_requested','returned','refunded')),
    subtotal_cents   integer NOT NULL,
    shipping_cents   integer NOT NULL DEFAULT 0,
    tax_cents        integer NOT NULL DEFAULT 0,
    total_cents      integer NOT NULL,
    currency         text NOT NULL DEFAULT 'USD',
    idempotency_key  text NOT NULL,
    payment_provider text NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (user_id, idempotency_key)
);
CREATE INDEX orders_user_idx ON orders (user_id, created_at DESC);

CREATE TABLE order_items (
    id               bigserial PRIMARY KEY,
    order_id         bigint NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
    variant_id       bigint NOT NULL REFERENCES product_variants(id),
    product_id       bigint NOT NULL REFERENCES products(id),
    product_name     text NOT NULL,
    size_label       text,
    quantity         integer NOT NULL CHECK (quantity >= 1),
    unit_price_cents integer NOT NULL
);
CREATE INDEX order_items_order_idx ON order_items (order_id);
CREATE INDEX order_items_product_idx ON order_items (product_id);

CREATE TABLE payments (
    id                bigserial PRIMARY KEY,
    order_id          bigint NOT NULL REFERENCES orders(id),
    provider          text NOT NULL,
    provider_ref      text UNIQUE,
    status            text NOT NULL,
    amount_cents      integer NOT NULL,
    currency          text NOT NULL DEFAULT 'USD',
    idempotency_key   text NOT NULL UNIQUE,
    last_error        text,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX payments_order_idx ON payments (order_id);

CREATE TABLE webhook_events (
    id            text PRIMARY KEY,             -- provider event id (de-duplication key)
    provider      text NOT NULL,
    type          text NOT NULL,
    payload       jsonb NOT NULL,
    received_at   timestamptz NOT NULL DEFAULT now(),
    processed_at  timestamptz
);

CREATE TABLE returns (
    id            bigserial PRIMARY KEY,
    order_id      bigint NOT NULL REFERENCES orders(id),
    order_item_id bigint REFERENCES order_items(id),
    user_id       bigint NOT NULL REFERENCES users(id),
    status        text NOT NULL DEFAULT 'requested' CHECK (status IN ('requested','received','refunded','rejected')),
    reason        text,
    fit_feedback  text CHECK (fit_feedback IN ('small','fit','large')),
    refund_ref    text,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX returns_user_idx ON returns (user_id);
CREATE INDEX returns_item_idx ON returns (order_item_id);

-- Fit feedback the shop collects (returns and reviews): the size advisor learns from it.
CREATE TABLE fit_feedback (
    id            bigserial PRIMARY KEY,
    user_id       bigint NOT NULL REFERENCES users(id),
    product_id    bigint NOT NULL REFERENCES products(id),
    size_label    text NOT NULL,
    fit           text NOT NULL CHECK (fit IN ('small','fit','large')),
    source        text NOT NULL CHECK (source IN ('return','review','kept')),
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX fit_feedback_product_idx ON fit_feedback (product_id);
CREATE INDEX fit_feedback_user_idx ON fit_feedback (user_id);

CREATE TABLE return_predictions (
    id            bigserial PRIMARY KEY,
    user_id       bigint NOT NULL REFERENCES users(id),
    product_id    bigint NOT NULL REFERENCES products(id),
    size_label    text,
    order_id      bigint REFERENCES orders(id),
    probability   real NOT NULL,
    features      jsonb NOT NULL DEFAULT '{}'::jsonb,
    model_version text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX return_predictions_user_idx ON return_predictions (user_id, created_at DESC);

CREATE TABLE conversations (
    id          uuid PRIMARY KEY,
    user_id     bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    channel     text NOT NULL DEFAULT 'voice',
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX conversations_user_idx ON conversations (user_id, updated_at DESC);

CREATE TABLE turns (
    id              bigserial PRIMARY KEY,
    conversation_id uuid NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    turn_index      integer NOT NULL,
    user_text       text NOT NULL,
    intent          text NOT NULL,
    slots           jsonb NOT NULL DEFAULT '{}'::jsonb,
    reply_text      text NOT NULL,
    heard_text      text,              -- what was actually played before a barge-in
    product_ids     bigint[] NOT NULL DEFAULT '{}',
    metrics         jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (conversation_id, turn_index)
);
