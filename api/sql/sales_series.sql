-- Sales over [$1, $2) in buckets of $3 ('minute' or 'hour'), optionally one category ($4) and
-- one country ($5). The row with a null bucket is the total over the range (GROUPING SETS).
-- transactions sums the category x country cells: a basket spanning two categories counts in
-- each (SPEC section 4); with a category filter it is that category's transactions.
SELECT
  date_trunc($3, window_start) AS bucket,
  sum(revenue) AS revenue,
  sum(transactions)::bigint AS transactions,
  sum(units)::bigint AS units,
  round(sum(revenue) / nullif(sum(transactions), 0), 2) AS avg_value
FROM sales_metrics
WHERE window_start >= $1 AND window_start < $2
  AND ($4::text IS NULL OR category = $4)
  AND ($5::text IS NULL OR country = $5)
GROUP BY GROUPING SETS ((date_trunc($3, window_start)), ())
ORDER BY bucket NULLS FIRST
