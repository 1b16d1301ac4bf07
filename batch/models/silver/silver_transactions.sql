-- Transactions once each: first one row per Kafka position (a file rewritten after a crash),
-- then one per transaction_id (an event produced twice), keeping the earliest copy. Money
-- becomes DECIMAL(18,2): bronze keeps the JSON number as sent.
WITH by_position AS (
  SELECT *
  FROM bronze_transactions
  QUALIFY row_number() OVER (PARTITION BY kafka_partition, kafka_offset ORDER BY ingested_at) = 1
),
by_id AS (
  SELECT *
  FROM by_position
  QUALIFY row_number() OVER (PARTITION BY transaction_id ORDER BY kafka_timestamp, kafka_partition, kafka_offset) = 1
)
SELECT
  transaction_id,
  user_id,
  session_id,
  "timestamp" AS event_time,
  CAST("timestamp" AS DATE) AS dt,
  CAST(total_amount AS DECIMAL(18, 2)) AS total_amount,
  payment_method,
  country,
  products
FROM by_id
WHERE CAST("timestamp" AS DATE) <= getvariable('snapshot_date')
