-- product_views once each (bronze_product_views_once: the earliest copy of each event_id).
SELECT
  * EXCLUDE ("timestamp", dt, hr, kafka_topic, kafka_partition, kafka_offset, kafka_timestamp, ingested_at),
  "timestamp" AS event_time,
  dt
FROM bronze_product_views_once
