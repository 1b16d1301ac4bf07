-- Customer revenue adds up to silver's, and every buyer is there.
SELECT (SELECT sum(revenue) FROM customer_360) AS gold, (SELECT sum(total_amount) FROM silver_transactions) AS silver
WHERE (SELECT sum(revenue) FROM customer_360) IS DISTINCT FROM (SELECT sum(total_amount) FROM silver_transactions)
   OR (SELECT count(*) FROM customer_360 WHERE orders > 0) <> (SELECT count(DISTINCT user_id) FROM silver_transactions)
