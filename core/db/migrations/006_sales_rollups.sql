-- Per-minute sales rolled up over category, over country, and over both, written by the stream
-- in the same transaction as sales_metrics (so they can never disagree). A dashboard's
-- one-hour series then reads 60 rows instead of summing 60 x 500 cells per request.
-- '*' stands for "every category" or "every country"; no SPEC category or country is '*'
-- (the API's filters refuse it). transactions sums the cells, as sales_metrics' sums do.
CREATE TABLE IF NOT EXISTS sales_minute_rollups (
  category     text NOT NULL,
  country      text NOT NULL,
  window_start timestamptz NOT NULL,
  revenue      numeric(18, 2) NOT NULL,
  transactions bigint NOT NULL,
  units        bigint NOT NULL,
  PRIMARY KEY (category, country, window_start),
  CHECK (category = '*' OR country = '*')
);

-- A database migrated before this table existed gets its history rolled up once.
INSERT INTO sales_minute_rollups (category, country, window_start, revenue, transactions, units)
SELECT coalesce(category, '*'), coalesce(country, '*'), window_start,
       sum(revenue), sum(transactions), sum(units)
FROM sales_metrics
GROUP BY GROUPING SETS ((window_start), (window_start, category), (window_start, country))
ON CONFLICT DO NOTHING;

GRANT SELECT ON sales_minute_rollups TO lakehouse_reader;
