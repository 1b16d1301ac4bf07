SELECT user_id, abandonment_rate FROM customer_360 WHERE abandonment_rate NOT BETWEEN 0 AND 1 OR net_revenue > revenue
