-- cart_events once each: one row per event_id, the earliest copy by Kafka position (which also
-- drops a record stored twice at one position).
WITH by_id AS (
  SELECT *
  FROM bronze_cart_events
  WHERE dt <= getvariable('snapshot_date')
  QUALIFY row_number() OVER (PARTITION BY event_id ORDER BY kafka_timestamp, kafka_partition, kafka_offset) = 1
)
SELECT
  * EXCLUDE ("timestamp", dt, hr, kafka_topic, kafka_partition, kafka_offset, kafka_timestamp, ingested_at),
  "timestamp" AS event_time,
  dt
FROM by_id
