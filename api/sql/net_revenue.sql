-- Gross sales, refunds and net revenue per minute over [$1, $2), each by its own event time
-- (the net_revenue_minute view, with the range applied before the aggregation).
WITH s AS (
  SELECT window_start, sum(revenue) AS revenue
  FROM sales_metrics
  WHERE window_start >= $1 AND window_start < $2
  GROUP BY window_start
),
r AS (
  SELECT window_start, refunds, amount
  FROM refund_metrics
  WHERE window_start >= $1 AND window_start < $2
)
SELECT
  coalesce(s.window_start, r.window_start) AS bucket,
  coalesce(s.revenue, 0) AS gross_revenue,
  coalesce(r.refunds, 0)::bigint AS refunds,
  coalesce(r.amount, 0) AS refunded,
  coalesce(s.revenue, 0) - coalesce(r.amount, 0) AS net_revenue
FROM s
FULL JOIN r USING (window_start)
ORDER BY bucket
