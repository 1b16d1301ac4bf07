-- refunds once each: one row per refund_id, the earliest copy by Kafka position (which also
-- drops a record stored twice at one position).
WITH by_id AS (
  SELECT *
  FROM bronze_refunds
  WHERE dt <= getvariable('snapshot_date')
  QUALIFY row_number() OVER (PARTITION BY refund_id ORDER BY kafka_timestamp, kafka_partition, kafka_offset) = 1
)
SELECT
  * EXCLUDE ("timestamp", dt, hr, amount, kafka_topic, kafka_partition, kafka_offset, kafka_timestamp, ingested_at),
  CAST(amount AS DECIMAL(18, 2)) AS amount,
  "timestamp" AS event_time,
  dt
FROM by_id
