-- Transactions and amount per payment method over [$1, $2), largest first.
SELECT payment_method, sum(transactions)::bigint AS transactions, sum(amount) AS amount
FROM payment_metrics
WHERE window_start >= $1 AND window_start < $2
GROUP BY payment_method
ORDER BY amount DESC, payment_method
