-- One batch's payments per minute and method, added to what other batches and workers wrote.
INSERT INTO payment_metrics AS p (window_start, payment_method, transactions, amount)
SELECT to_timestamp(w::double precision / 1000), m, t, a::numeric / 100
FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::bigint[]) AS d(w, m, t, a)
ON CONFLICT (window_start, payment_method) DO UPDATE SET
  transactions = p.transactions + EXCLUDED.transactions, amount = p.amount + EXCLUDED.amount
