SELECT user_id, count(*) AS copies FROM rfm_customers GROUP BY user_id HAVING count(*) > 1
