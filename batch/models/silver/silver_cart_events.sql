-- cart_events once each: one row per Kafka position, then one per event_id (earliest copy).
WITH by_position AS (
  SELECT *
  FROM bronze_cart_events
  QUALIFY row_number() OVER (PARTITION BY kafka_partition, kafka_offset ORDER BY ingested_at) = 1
),
by_id AS (
  SELECT *
  FROM by_position
  QUALIFY row_number() OVER (PARTITION BY event_id ORDER BY kafka_timestamp, kafka_partition, kafka_offset) = 1
)
SELECT
  * EXCLUDE ("timestamp", kafka_topic, kafka_partition, kafka_offset, kafka_timestamp, ingested_at),
  "timestamp" AS event_time,
  CAST("timestamp" AS DATE) AS dt
FROM by_id
WHERE CAST("timestamp" AS DATE) <= getvariable('snapshot_date')
