SELECT event_id, count(*) AS copies FROM silver_product_views GROUP BY event_id HAVING count(*) > 1
