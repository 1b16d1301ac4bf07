-- The funnel per day: sessions and views -> cart adds -> purchases, with conversion rates.
WITH views AS (
  SELECT dt, count(*) AS views, count(DISTINCT session_id) AS sessions FROM silver_product_views GROUP BY dt
),
carts AS (
  SELECT dt, count(*) FILTER (WHERE action = 'add') AS cart_adds FROM silver_cart_events GROUP BY dt
),
purchases AS (
  SELECT dt, count(*) AS purchases FROM silver_transactions GROUP BY dt
),
days AS (
  SELECT dt FROM views UNION SELECT dt FROM carts UNION SELECT dt FROM purchases
)
SELECT
  d.dt AS date,
  coalesce(v.sessions, 0) AS sessions,
  coalesce(v.views, 0) AS views,
  coalesce(c.cart_adds, 0) AS cart_adds,
  coalesce(p.purchases, 0) AS purchases,
  round(coalesce(c.cart_adds, 0) / nullif(v.views, 0), 4) AS view_to_cart,
  round(coalesce(p.purchases, 0) / nullif(c.cart_adds, 0), 4) AS cart_to_purchase,
  round(coalesce(p.purchases, 0) / nullif(v.views, 0), 4) AS view_to_purchase
FROM days d
LEFT JOIN views v USING (dt)
LEFT JOIN carts c USING (dt)
LEFT JOIN purchases p USING (dt)
