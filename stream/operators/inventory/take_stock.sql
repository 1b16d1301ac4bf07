-- Takes the batch's units from the live stock; each row says what is left and what it took,
-- so the caller can tell which low-stock levels this update crossed (levels.ts).
WITH d AS (SELECT * FROM unnest($1::text[], $2::int[], $3::bigint[]) AS d(id, units, t))
UPDATE inventory_status i SET quantity = i.quantity - d.units, updated_at = now()
FROM d WHERE i.product_id = d.id::uuid
RETURNING i.product_id::text AS product_id, i.quantity AS after, d.units, d.t::double precision AS t
