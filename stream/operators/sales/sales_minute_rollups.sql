-- The same cells rolled up over category, country and both ('*'), added likewise.
INSERT INTO sales_minute_rollups AS s (category, country, window_start, revenue, transactions, units)
SELECT c, k, to_timestamp(w::double precision / 1000), r::numeric / 100, t, u
FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[]) AS d(c, k, w, r, t, u)
ON CONFLICT (category, country, window_start) DO UPDATE SET
  revenue = s.revenue + EXCLUDED.revenue,
  transactions = s.transactions + EXCLUDED.transactions,
  units = s.units + EXCLUDED.units
