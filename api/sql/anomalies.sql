-- Anomalies detected over [$1, $2) by event time, newest first, keyset after ($6, $7, $8).
SELECT transaction_id, anomaly_type, user_id, event_time, amount, score, description, detected_at
FROM transaction_anomalies
WHERE event_time >= $1 AND event_time < $2
  AND ($3::text IS NULL OR anomaly_type = $3)
  AND ($4::float8 IS NULL OR score >= $4)
  AND ($5::uuid IS NULL OR user_id = $5)
  AND ($6::timestamptz IS NULL OR (event_time, transaction_id, anomaly_type) < ($6, $7::uuid, $8::text))
ORDER BY event_time DESC, transaction_id DESC, anomaly_type DESC
LIMIT $9
