-- refunds once each: one row per refund_id, the earliest copy by Kafka position (which also
-- drops a record stored twice at one position).
WITH bronze AS (
  SELECT * FROM bronze_refunds WHERE dt <= getvariable('snapshot_date')
),
-- Only the rows of a repeated id need ordering: one hash pass finds them, and the rest pass as
-- they are (a window over every row took half again as long on a 30-day lake).
repeated AS (
  SELECT refund_id FROM bronze GROUP BY refund_id HAVING count(*) > 1
),
by_id AS (
  SELECT * FROM bronze ANTI JOIN repeated USING (refund_id)
  UNION ALL
  SELECT * FROM bronze SEMI JOIN repeated USING (refund_id)
  QUALIFY row_number() OVER (PARTITION BY refund_id ORDER BY kafka_timestamp, kafka_partition, kafka_offset) = 1
)
SELECT
  * EXCLUDE ("timestamp", dt, hr, amount, kafka_topic, kafka_partition, kafka_offset, kafka_timestamp, ingested_at),
  CAST(amount AS DECIMAL(18, 2)) AS amount,
  "timestamp" AS event_time,
  dt
FROM by_id
