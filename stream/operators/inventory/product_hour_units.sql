-- Units per product and event-time hour, added to what other batches and workers wrote.
INSERT INTO product_hour_units AS p (hour_start, product_id, units)
SELECT to_timestamp(h::double precision / 1000), id::uuid, u
FROM unnest($1::bigint[], $2::text[], $3::bigint[]) AS d(h, id, u)
ON CONFLICT (hour_start, product_id) DO UPDATE SET units = p.units + EXCLUDED.units
