-- Live stock per product, with its level against the low ($4) and critical ($5) thresholds,
-- keyset on product_id after $6.
WITH stock AS (
  SELECT i.product_id, p.name, p.category, i.quantity, i.updated_at,
         CASE WHEN i.quantity <= $5 THEN 'critical' WHEN i.quantity <= $4 THEN 'low' ELSE 'ok' END AS level
  FROM inventory_status i
  JOIN products p USING (product_id)
  WHERE ($1::text IS NULL OR p.category = $1)
    AND ($6::uuid IS NULL OR i.product_id > $6)
)
SELECT * FROM stock
WHERE ($2::text IS NULL OR level = $2) AND ($3::uuid IS NULL OR product_id = $3)
ORDER BY product_id
LIMIT $7
