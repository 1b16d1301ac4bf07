-- Each transaction once.
SELECT transaction_id, count(*) AS copies FROM silver_transactions GROUP BY transaction_id HAVING count(*) > 1
