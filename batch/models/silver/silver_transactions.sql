-- Transactions once each (bronze_transactions_once: the earliest copy of each transaction_id).
-- Money becomes DECIMAL(18,2): bronze keeps the JSON number as sent.
SELECT
  transaction_id,
  user_id,
  session_id,
  "timestamp" AS event_time,
  dt,
  CAST(total_amount AS DECIMAL(18, 2)) AS total_amount,
  payment_method,
  country,
  products
FROM bronze_transactions_once
