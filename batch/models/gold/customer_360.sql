-- One row per customer seen in any event up to the snapshot: purchases, refunds, favourite
-- category, sessions and how often a session with a cart ended without a purchase.
WITH viewed AS (
  SELECT DISTINCT user_id, session_id FROM silver_product_views
),
carted AS (
  SELECT DISTINCT user_id, session_id FROM silver_cart_events WHERE action = 'add'
),
bought AS (
  SELECT DISTINCT user_id, session_id FROM silver_transactions WHERE session_id IS NOT NULL
),
-- Distinct sessions per source first: three hash aggregates instead of one over every event.
sessions AS (
  SELECT
    coalesce(v.user_id, c.user_id, b.user_id) AS user_id,
    c.session_id IS NOT NULL AS had_cart,
    b.session_id IS NOT NULL AS purchased
  FROM viewed v
  FULL JOIN carted c ON c.user_id = v.user_id AND c.session_id = v.session_id
  FULL JOIN bought b ON b.user_id = coalesce(v.user_id, c.user_id) AND b.session_id = coalesce(v.session_id, c.session_id)
),
session_stats AS (
  SELECT
    user_id,
    count(*) AS sessions,
    count(*) FILTER (WHERE had_cart) AS cart_sessions,
    count(*) FILTER (WHERE had_cart AND NOT purchased) AS abandoned_sessions
  FROM sessions
  GROUP BY user_id
),
orders AS (
  SELECT
    user_id,
    min(event_time) AS first_purchase,
    max(event_time) AS last_purchase,
    count(*) AS orders,
    sum(total_amount) AS revenue
  FROM silver_transactions
  GROUP BY user_id
),
refunds AS (
  SELECT t.user_id, sum(r.amount) AS refunded
  FROM silver_refunds r
  JOIN silver_transactions t USING (transaction_id)
  GROUP BY t.user_id
),
favourite AS (
  SELECT user_id, arg_max(category, (spent, category)) AS favourite_category
  FROM (SELECT user_id, category, sum(line_total) AS spent FROM silver_transaction_items GROUP BY ALL)
  GROUP BY user_id
),
customers AS (
  SELECT user_id FROM session_stats UNION SELECT user_id FROM orders
)
SELECT
  c.user_id,
  o.first_purchase,
  o.last_purchase,
  coalesce(o.orders, 0) AS orders,
  coalesce(o.revenue, 0) AS revenue,
  coalesce(r.refunded, 0) AS refunded,
  coalesce(o.revenue, 0) - coalesce(r.refunded, 0) AS net_revenue,
  CAST(round(o.revenue / o.orders, 2) AS DECIMAL(18, 2)) AS avg_order_value,
  f.favourite_category,
  coalesce(s.sessions, 0) AS sessions,
  round(s.abandoned_sessions / nullif(s.cart_sessions, 0), 4) AS abandonment_rate
FROM customers c
LEFT JOIN orders o USING (user_id)
LEFT JOIN refunds r USING (user_id)
LEFT JOIN favourite f USING (user_id)
LEFT JOIN session_stats s USING (user_id)
