-- The top 10 products by units sold in each closed hour starting in [$1, $2), newest hour first.
SELECT hour_start, rank, product_id, category, units
FROM inventory_velocity
WHERE hour_start >= $1 AND hour_start < $2 AND rank <= 10
ORDER BY hour_start DESC, rank, product_id
