-- Sessions that started in [$1, $2): how many, how long, how many bought or left a cart.
SELECT
  count(*)::bigint AS sessions,
  coalesce(avg(duration_seconds), 0)::float8 AS avg_duration_seconds,
  coalesce(sum(page_views), 0)::bigint AS page_views,
  count(*) FILTER (WHERE purchased)::bigint AS purchased,
  count(*) FILTER (WHERE cart_adds > 0)::bigint AS with_cart,
  count(*) FILTER (WHERE abandoned)::bigint AS abandoned
FROM session_metrics
WHERE session_start >= $1 AND session_start < $2
