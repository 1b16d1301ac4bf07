-- Every customer who bought is scored.
SELECT count(DISTINCT user_id) AS buyers, (SELECT count(*) FROM rfm_customers) AS scored
FROM silver_transactions HAVING count(DISTINCT user_id) <> (SELECT count(*) FROM rfm_customers)
