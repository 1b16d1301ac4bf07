-- Every category sold is one of the product dimension's, or 'unknown' for a product not in it.
SELECT DISTINCT category FROM daily_sales
WHERE category <> 'unknown' AND category NOT IN (SELECT category FROM dim_products WHERE category IS NOT NULL)
