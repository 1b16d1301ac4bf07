-- Sales over [$1, $2) in buckets of $3 ('minute' or 'hour'), optionally one category ($4) and
-- one country ($5). The row with a null bucket is the total over the range (GROUPING SETS).
-- With at most one filter the minutes come from sales_minute_rollups (one row a minute, '*'
-- for the dimension not filtered); with both, from the sales_metrics cells themselves.
-- transactions sums the category x country cells: a basket spanning two categories counts in
-- each (SPEC section 4); with a category filter it is that category's transactions.
WITH minutes AS (
  SELECT window_start, revenue, transactions, units
  FROM sales_minute_rollups
  WHERE ($4::text IS NULL OR $5::text IS NULL)
    AND category = coalesce($4::text, '*') AND country = coalesce($5::text, '*')
    AND window_start >= $1 AND window_start < $2
  UNION ALL
  SELECT window_start, revenue, transactions, units
  FROM sales_metrics
  WHERE $4::text IS NOT NULL AND $5::text IS NOT NULL
    AND category = $4 AND country = $5
    AND window_start >= $1 AND window_start < $2
)
SELECT
  date_trunc($3, window_start) AS bucket,
  sum(revenue) AS revenue,
  sum(transactions)::bigint AS transactions,
  sum(units)::bigint AS units,
  round(sum(revenue) / nullif(sum(transactions), 0), 2) AS avg_value
FROM minutes
GROUP BY GROUPING SETS ((date_trunc($3, window_start)), ())
ORDER BY bucket NULLS FIRST
