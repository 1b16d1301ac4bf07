-- Closed sessions that started in [$1, $2), newest first; keyset after ($6, $7).
SELECT session_id, user_id, session_start, session_end, duration_seconds, page_views, cart_adds,
       cart_removes, cart_updates, purchases, purchased, purchase_amount, abandoned
FROM session_metrics
WHERE session_start >= $1 AND session_start < $2
  AND ($3::uuid IS NULL OR user_id = $3)
  AND ($4::bool IS NULL OR abandoned = $4)
  AND ($5::bool IS NULL OR purchased = $5)
  AND ($6::timestamptz IS NULL OR (session_start, session_id) < ($6, $7::uuid))
ORDER BY session_start DESC, session_id DESC
LIMIT $8
