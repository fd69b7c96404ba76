-- products_gender_popularity_idx (0002) made the planner AND a 40k-row gender bitmap into
-- selective full-text searches; the popularity index alone serves browsing by gender.
DROP INDEX IF EXISTS products_gender_popularity_idx;
