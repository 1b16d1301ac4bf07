-- The hour's top 10 products by units (ties share a rank), from every shard's units.
INSERT INTO inventory_velocity (hour_start, product_id, category, units, rank)
SELECT hour_start, product_id, category, units, rank FROM (
  SELECT h.hour_start, h.product_id, coalesce(p.category, 'unknown') AS category, h.units,
         dense_rank() OVER (ORDER BY h.units DESC)::int AS rank
  FROM product_hour_units h LEFT JOIN products p USING (product_id)
  WHERE h.hour_start = to_timestamp($1::bigint::double precision / 1000)) ranked
WHERE rank <= 10
