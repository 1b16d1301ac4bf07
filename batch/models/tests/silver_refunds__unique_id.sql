SELECT refund_id, count(*) AS copies FROM silver_refunds GROUP BY refund_id HAVING count(*) > 1
