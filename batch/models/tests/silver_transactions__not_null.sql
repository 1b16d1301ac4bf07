SELECT transaction_id FROM silver_transactions
WHERE transaction_id IS NULL OR user_id IS NULL OR event_time IS NULL OR total_amount IS NULL
   OR payment_method IS NULL OR country IS NULL OR len(products) = 0
