-- refunds once each (bronze_refunds_once: the earliest copy of each refund_id).
SELECT
  * EXCLUDE ("timestamp", dt, hr, amount, kafka_topic, kafka_partition, kafka_offset, kafka_timestamp, ingested_at),
  CAST(amount AS DECIMAL(18, 2)) AS amount,
  "timestamp" AS event_time,
  dt
FROM bronze_refunds_once
