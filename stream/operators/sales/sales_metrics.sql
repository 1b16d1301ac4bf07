-- One batch's per-minute sales cells, added to what other batches and workers wrote.
INSERT INTO sales_metrics AS s (window_start, category, country, revenue, transactions, units, avg_value)
SELECT to_timestamp(w::double precision / 1000), c, k, r::numeric / 100, t, u, round(r::numeric / 100 / t, 2)
FROM unnest($1::bigint[], $2::text[], $3::text[], $4::bigint[], $5::bigint[], $6::bigint[]) AS d(w, c, k, r, t, u)
ON CONFLICT (window_start, category, country) DO UPDATE SET
  revenue = s.revenue + EXCLUDED.revenue,
  transactions = s.transactions + EXCLUDED.transactions,
  units = s.units + EXCLUDED.units,
  avg_value = round((s.revenue + EXCLUDED.revenue) / (s.transactions + EXCLUDED.transactions), 2),
  updated_at = now()
