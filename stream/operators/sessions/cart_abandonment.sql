-- One row per session: a cart left again after being touched replaces the earlier report.
INSERT INTO cart_abandonment (session_id, user_id, last_cart_activity, abandoned_at, items, distinct_products, cart_value)
SELECT id::uuid, u::uuid, to_timestamp(l::double precision / 1000), to_timestamp(a::double precision / 1000), i, d, v::numeric / 100
FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::int[], $6::int[], $7::bigint[]) AS x(id, u, l, a, i, d, v)
ON CONFLICT (session_id) DO UPDATE SET last_cart_activity = EXCLUDED.last_cart_activity,
  abandoned_at = EXCLUDED.abandoned_at, items = EXCLUDED.items, distinct_products = EXCLUDED.distinct_products,
  cart_value = EXCLUDED.cart_value
