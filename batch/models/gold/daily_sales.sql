-- Sales per date x category x country. Net revenue takes refunds off the sale they refund,
-- shared over its items by value (a refund names the transaction, not the item).
WITH refunded AS (
  SELECT transaction_id, sum(amount) AS amount
  FROM silver_refunds
  GROUP BY transaction_id
),
totals AS (
  SELECT transaction_id, sum(line_total) AS total
  FROM silver_transaction_items
  GROUP BY transaction_id
),
lines AS (
  SELECT
    i.dt AS date,
    i.category,
    i.country,
    i.transaction_id,
    i.quantity,
    i.line_total,
    coalesce(r.amount, 0) * i.line_total / nullif(t.total, 0) AS refund_share
  FROM silver_transaction_items i
  JOIN totals t USING (transaction_id)
  LEFT JOIN refunded r USING (transaction_id)
)
SELECT
  date,
  category,
  country,
  sum(line_total) AS revenue,
  CAST(round(sum(line_total) - sum(refund_share), 2) AS DECIMAL(18, 2)) AS net_revenue,
  count(DISTINCT transaction_id) AS orders,
  sum(quantity) AS units,
  CAST(round(sum(line_total) / count(DISTINCT transaction_id), 2) AS DECIMAL(18, 2)) AS aov
FROM lines
GROUP BY date, category, country
