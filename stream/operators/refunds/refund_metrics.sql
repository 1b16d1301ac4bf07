-- One batch's refunds per minute, added to what other batches and workers wrote.
INSERT INTO refund_metrics AS r (window_start, refunds, amount)
SELECT to_timestamp(w::double precision / 1000), n, a::numeric / 100
FROM unnest($1::bigint[], $2::bigint[], $3::bigint[]) AS d(w, n, a)
ON CONFLICT (window_start) DO UPDATE SET refunds = r.refunds + EXCLUDED.refunds, amount = r.amount + EXCLUDED.amount
