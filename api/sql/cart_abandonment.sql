-- Carts abandoned in [$1, $2) (by abandonment time), newest first; keyset after ($4, $5).
SELECT session_id, user_id, last_cart_activity, abandoned_at, items, distinct_products, cart_value
FROM cart_abandonment
WHERE abandoned_at >= $1 AND abandoned_at < $2
  AND ($3::numeric IS NULL OR cart_value >= $3)
  AND ($4::timestamptz IS NULL OR (abandoned_at, session_id) < ($4, $5::uuid))
ORDER BY abandoned_at DESC, session_id DESC
LIMIT $6
