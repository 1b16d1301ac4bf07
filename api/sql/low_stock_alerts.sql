-- Low-stock crossings, newest first, with the product and its stock now; keyset after ($2, $3, $4).
SELECT a.product_id, p.name, p.category, a.level, a.threshold, a.quantity, a.event_time,
       i.quantity AS current_quantity
FROM low_stock_alerts a
JOIN products p USING (product_id)
LEFT JOIN inventory_status i USING (product_id)
WHERE ($1::text IS NULL OR a.level = $1)
  AND ($2::timestamptz IS NULL OR (a.event_time, a.product_id, a.level) < ($2, $3::uuid, $4::text))
ORDER BY a.event_time DESC, a.product_id DESC, a.level DESC
LIMIT $5
