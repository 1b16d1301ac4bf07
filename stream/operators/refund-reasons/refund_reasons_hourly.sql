-- One batch's refunds per hour and reason, added to what other batches and workers wrote.
INSERT INTO refund_reasons_hourly AS r (hour_start, reason, refunds, amount)
SELECT to_timestamp(h::double precision / 1000), k, n, a::numeric / 100
FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::bigint[]) AS d(h, k, n, a)
ON CONFLICT (hour_start, reason) DO UPDATE SET refunds = r.refunds + EXCLUDED.refunds, amount = r.amount + EXCLUDED.amount
