-- Transactions once each: one row per transaction_id, the earliest copy by Kafka position. That
-- removes both an event produced twice and a record stored twice at one Kafka position (same
-- record, same id) in a single pass. Money becomes DECIMAL(18,2): bronze keeps the JSON number
-- as sent.
WITH by_id AS (
  SELECT *
  FROM bronze_transactions
  WHERE dt <= getvariable('snapshot_date')
  QUALIFY row_number() OVER (PARTITION BY transaction_id ORDER BY kafka_timestamp, kafka_partition, kafka_offset) = 1
)
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
FROM by_id
