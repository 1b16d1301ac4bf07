-- One batch's funnel counts per minute, added to what other batches and workers wrote.
INSERT INTO funnel_metrics AS f (window_start, views, cart_adds, purchases)
SELECT to_timestamp(w::double precision / 1000), v, c, p
FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[]) AS d(w, v, c, p)
ON CONFLICT (window_start) DO UPDATE SET
  views = f.views + EXCLUDED.views,
  cart_adds = f.cart_adds + EXCLUDED.cart_adds,
  purchases = f.purchases + EXCLUDED.purchases
