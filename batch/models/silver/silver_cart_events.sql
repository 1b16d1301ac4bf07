-- cart_events once each (bronze_cart_events_once: the earliest copy of each event_id).
SELECT
  * EXCLUDE ("timestamp", dt, hr, kafka_topic, kafka_partition, kafka_offset, kafka_timestamp, ingested_at),
  "timestamp" AS event_time,
  dt
FROM bronze_cart_events_once
