-- Search at catalog scale (docs/commerce.md "Search"): browsing reads candidates off covering
-- indexes in popularity order (index-only scans: no heap visit per candidate), and the colour
-- word filter gets real selectivity estimates.

-- Browse within a category: walk by popularity, check department / price / brand / colour from the
-- index itself, stop at the page's candidate count.
CREATE INDEX IF NOT EXISTS products_category_popularity_idx
    ON products (category, popularity DESC, id) INCLUDE (gender, price_cents, brand_id, colour)
    WHERE active;
-- Browse without a category (department only, recommendations): same, over the whole catalog.
CREATE INDEX IF NOT EXISTS products_popularity_cover_idx
    ON products (popularity DESC, id) INCLUDE (category, gender, price_cents, brand_id, colour)
    WHERE active;
DROP INDEX IF EXISTS products_popularity_idx;
-- The colour filter matches whole words: (' ' || colour || ' ') LIKE '% blue %'. Without
-- statistics on that expression the planner guessed 1 row of 5,000 and sorted a bitmap scan
-- instead of walking the popularity index (measured 75 ms → 1 ms at 100k products).
CREATE STATISTICS IF NOT EXISTS products_colour_words_stats ON ((' ' || colour || ' ')) FROM products;
ANALYZE products;
