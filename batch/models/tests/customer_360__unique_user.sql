SELECT user_id FROM customer_360 GROUP BY user_id HAVING count(*) > 1
