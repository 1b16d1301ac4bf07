-- Views -> cart adds -> purchases per minute over [$1, $2); the null-minute row is the total.
SELECT
  window_start AS bucket,
  sum(views)::bigint AS views,
  sum(cart_adds)::bigint AS cart_adds,
  sum(purchases)::bigint AS purchases
FROM funnel_metrics
WHERE window_start >= $1 AND window_start < $2
GROUP BY GROUPING SETS ((window_start), ())
ORDER BY bucket NULLS FIRST
