-- Abandoned carts in [$1, $2) and the value left in them, beside the abandonment rate of the
-- sessions that started in the range (abandoned sessions / sessions that added to a cart).
WITH carts AS (
  SELECT count(*)::bigint AS carts, coalesce(sum(cart_value), 0) AS value_left,
         coalesce(sum(items), 0)::bigint AS items
  FROM cart_abandonment
  WHERE abandoned_at >= $1 AND abandoned_at < $2
),
sessions AS (
  SELECT count(*) FILTER (WHERE cart_adds > 0)::bigint AS cart_sessions,
         count(*) FILTER (WHERE abandoned)::bigint AS abandoned_sessions
  FROM session_metrics
  WHERE session_start >= $1 AND session_start < $2
)
SELECT carts, value_left, items, cart_sessions, abandoned_sessions,
       round(abandoned_sessions::numeric / nullif(cart_sessions, 0), 4)::float8 AS abandonment_rate
FROM carts, sessions
