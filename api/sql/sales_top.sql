-- The $4 largest categories ($3 = 'category') or countries ($3 = 'country') by revenue over [$1, $2).
SELECT
  CASE WHEN $3 = 'country' THEN country ELSE category END AS key,
  sum(revenue) AS revenue,
  sum(transactions)::bigint AS transactions,
  sum(units)::bigint AS units
FROM sales_metrics
WHERE window_start >= $1 AND window_start < $2
GROUP BY 1
ORDER BY revenue DESC, key
LIMIT $4
