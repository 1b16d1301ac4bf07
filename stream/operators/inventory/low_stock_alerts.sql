-- A product crosses a level once; a replayed batch finds its alert there already.
INSERT INTO low_stock_alerts (product_id, level, threshold, quantity, event_time)
SELECT id::uuid, l, th, q, to_timestamp(t::double precision / 1000)
FROM unnest($1::text[], $2::text[], $3::int[], $4::int[], $5::bigint[]) AS a(id, l, th, q, t)
ON CONFLICT (product_id, level) DO NOTHING
