-- Keyed by session and start: a replayed batch writes the same row again.
INSERT INTO session_metrics (session_id, user_id, session_start, session_end, duration_seconds, page_views,
  cart_adds, cart_removes, cart_updates, purchases, purchased, purchase_amount, abandoned)
SELECT id::uuid, u::uuid, to_timestamp(s::double precision / 1000), to_timestamp(e::double precision / 1000),
  (e - s)::double precision / 1000, v, a, r, up, p, p > 0, c::numeric / 100, ab
FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::int[], $6::int[], $7::int[], $8::int[], $9::int[], $10::bigint[], $11::bool[])
  AS x(id, u, s, e, v, a, r, up, p, c, ab)
ON CONFLICT (session_id, session_start) DO UPDATE SET user_id = EXCLUDED.user_id,
  session_end = EXCLUDED.session_end, duration_seconds = EXCLUDED.duration_seconds, page_views = EXCLUDED.page_views,
  cart_adds = EXCLUDED.cart_adds, cart_removes = EXCLUDED.cart_removes, cart_updates = EXCLUDED.cart_updates,
  purchases = EXCLUDED.purchases, purchased = EXCLUDED.purchased, purchase_amount = EXCLUDED.purchase_amount,
  abandoned = EXCLUDED.abandoned
