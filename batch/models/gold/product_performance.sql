-- Per product: views, cart adds, purchases, units, revenue, view -> purchase conversion and the
-- share of its orders that were refunded.
WITH views AS (
  SELECT product_id, count(*) AS views FROM silver_product_views GROUP BY product_id
),
carts AS (
  SELECT product_id, count(*) AS cart_adds FROM silver_cart_events WHERE action = 'add' GROUP BY product_id
),
sold AS (
  SELECT
    product_id,
    count(DISTINCT transaction_id) AS purchases,
    sum(quantity) AS units,
    sum(line_total) AS revenue,
    count(DISTINCT transaction_id) FILTER (WHERE transaction_id IN (SELECT transaction_id FROM silver_refunds)) AS refunded_orders
  FROM silver_transaction_items
  GROUP BY product_id
),
products AS (
  SELECT product_id FROM views UNION SELECT product_id FROM carts UNION SELECT product_id FROM sold
)
SELECT
  p.product_id,
  coalesce(d.category, 'unknown') AS category,
  coalesce(v.views, 0) AS views,
  coalesce(c.cart_adds, 0) AS cart_adds,
  coalesce(s.purchases, 0) AS purchases,
  coalesce(s.units, 0) AS units,
  coalesce(s.revenue, 0) AS revenue,
  -- A viewed product that never sold converts at 0, not at an unknown rate.
  round(coalesce(s.purchases, 0) / nullif(v.views, 0), 4) AS view_to_purchase,
  round(s.refunded_orders / nullif(s.purchases, 0), 4) AS refund_rate
FROM products p
LEFT JOIN dim_products d USING (product_id)
LEFT JOIN views v USING (product_id)
LEFT JOIN carts c USING (product_id)
LEFT JOIN sold s USING (product_id)
