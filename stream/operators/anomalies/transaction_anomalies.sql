-- Keyed by transaction and rule; a replay or a grown run keeps the highest score.
INSERT INTO transaction_anomalies AS a (transaction_id, anomaly_type, user_id, event_time, amount, score, description)
SELECT id::uuid, t, u::uuid, to_timestamp(e::double precision / 1000), c::numeric / 100, s, d
FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::bigint[], $6::float8[], $7::text[]) AS x(id, t, u, e, c, s, d)
ON CONFLICT (transaction_id, anomaly_type) DO UPDATE SET
  score = EXCLUDED.score, description = EXCLUDED.description, detected_at = now()
WHERE EXCLUDED.score > a.score
