-- Per topic over the processing minutes in [$1, $2): volume, dead letters, late and duplicate
-- events, and consumer lag (the latest minute's and the largest).
SELECT
  topic,
  sum(events)::bigint AS events,
  sum(bytes)::bigint AS bytes,
  sum(dlq)::bigint AS dlq,
  sum(late)::bigint AS late,
  sum(duplicates)::bigint AS duplicates,
  max(consumer_lag)::bigint AS max_lag,
  ((array_agg(consumer_lag ORDER BY minute DESC) FILTER (WHERE consumer_lag IS NOT NULL))[1])::bigint AS current_lag,
  max(minute) AS last_minute
FROM operational_metrics
WHERE minute >= $1 AND minute < $2
GROUP BY topic
ORDER BY topic
