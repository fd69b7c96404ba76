-- Search at 100k products (docs/commerce.md "Search"):
--
-- 1. products.sizes_in_stock: the size labels with stock > reserved, in size order, kept exact by
--    statement triggers on product_variants (same transaction, so never stale). The size filter
--    becomes an array test on the row (or on the covering index) instead of a probe into
--    product_variants per candidate, and cards read sizes without a sub-select.
-- 2. A full-text index that also holds the category (btree_gin): "running" in shoes is one GIN
--    scan that visits only shoes, not every product with the word.
-- 3. Brand + category and the sizes in the browse indexes (below).

ALTER TABLE products ADD COLUMN IF NOT EXISTS sizes_in_stock text[] NOT NULL DEFAULT '{}';

UPDATE products p SET sizes_in_stock = ARRAY(
    SELECT v.size_label FROM product_variants v
    WHERE v.product_id = p.id AND v.stock > v.reserved ORDER BY v.sort_order, v.id);

-- Recompute sizes_in_stock of the given products. Rows are locked in id order first, FOR NO KEY
-- UPDATE (which does not block the KEY SHARE locks of foreign keys from order lines), so two
-- orders flipping sizes of the same products wait for each other instead of deadlocking.
CREATE OR REPLACE FUNCTION refresh_sizes_in_stock(ids bigint[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF ids IS NULL OR cardinality(ids) = 0 THEN
        RETURN;
    END IF;
    PERFORM 1 FROM products WHERE id = ANY(ids) ORDER BY id FOR NO KEY UPDATE;
    UPDATE products p SET sizes_in_stock = s.sizes
    FROM (SELECT q.id, ARRAY(SELECT v.size_label FROM product_variants v
                             WHERE v.product_id = q.id AND v.stock > v.reserved
                             ORDER BY v.sort_order, v.id) AS sizes
          FROM unnest(ids) AS q(id)) s
    WHERE p.id = s.id AND p.sizes_in_stock IS DISTINCT FROM s.sizes;
END $$;

-- Only variants whose in-stock state, label, order or product changed touch products: a
-- reservation that leaves units on the shelf writes nothing here.
CREATE OR REPLACE FUNCTION product_variants_sizes_trigger() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM refresh_sizes_in_stock(ARRAY(SELECT DISTINCT product_id FROM new_rows));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM refresh_sizes_in_stock(ARRAY(SELECT DISTINCT product_id FROM old_rows));
    ELSE
        PERFORM refresh_sizes_in_stock(ARRAY(
            SELECT DISTINCT x.product_id
            FROM old_rows o JOIN new_rows n ON n.id = o.id,
                 LATERAL (VALUES (o.product_id), (n.product_id)) AS x(product_id)
            WHERE (o.stock > o.reserved) IS DISTINCT FROM (n.stock > n.reserved)
               OR o.size_label IS DISTINCT FROM n.size_label
               OR o.sort_order IS DISTINCT FROM n.sort_order
               OR o.product_id IS DISTINCT FROM n.product_id));
    END IF;
    RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS product_variants_sizes_insert ON product_variants;
DROP TRIGGER IF EXISTS product_variants_sizes_update ON product_variants;
DROP TRIGGER IF EXISTS product_variants_sizes_delete ON product_variants;
CREATE TRIGGER product_variants_sizes_insert AFTER INSERT ON product_variants
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION product_variants_sizes_trigger();
CREATE TRIGGER product_variants_sizes_update AFTER UPDATE ON product_variants
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION product_variants_sizes_trigger();
CREATE TRIGGER product_variants_sizes_delete AFTER DELETE ON product_variants
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION product_variants_sizes_trigger();

-- Full text and category in one GIN index (replaces the text-only one).
CREATE EXTENSION IF NOT EXISTS btree_gin;
CREATE INDEX IF NOT EXISTS products_search_category_idx ON products USING gin (search_doc, category) WHERE active;
DROP INDEX IF EXISTS products_search_idx;

-- A brand within a category ("Roadster shirts") from the index alone, also when there are none.
DROP INDEX IF EXISTS products_brand_idx;
CREATE INDEX products_brand_category_idx ON products (brand_id, category, popularity DESC) WHERE active;

-- The covering browse indexes of 0004 carry the sizes too, so "jeans in 32" stays index-only.
DROP INDEX IF EXISTS products_category_popularity_idx;
CREATE INDEX products_category_popularity_idx
    ON products (category, popularity DESC, id) INCLUDE (gender, price_cents, brand_id, colour, sizes_in_stock)
    WHERE active;
DROP INDEX IF EXISTS products_popularity_cover_idx;
CREATE INDEX products_popularity_cover_idx
    ON products (popularity DESC, id) INCLUDE (category, gender, price_cents, brand_id, colour, sizes_in_stock)
    WHERE active;
ANALYZE products;
