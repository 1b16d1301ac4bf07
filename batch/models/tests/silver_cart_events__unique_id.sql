SELECT event_id, count(*) AS copies FROM silver_cart_events GROUP BY event_id HAVING count(*) > 1
