-- Items add up to their transaction's total (to the cent).
SELECT t.transaction_id, t.total_amount, sum(i.line_total) AS items
FROM silver_transactions t JOIN silver_transaction_items i USING (transaction_id)
GROUP BY t.transaction_id, t.total_amount
HAVING abs(t.total_amount - sum(i.line_total)) > 0.01
