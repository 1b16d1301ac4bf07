SELECT product_id FROM product_performance GROUP BY product_id HAVING count(*) > 1
