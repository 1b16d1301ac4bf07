-- Refunds per reason over the event-time hours that start in [$1, $2).
SELECT reason, sum(refunds)::bigint AS refunds, sum(amount) AS amount
FROM refund_reasons_hourly
WHERE hour_start >= $1 AND hour_start < $2
GROUP BY reason
ORDER BY refunds DESC, reason
