-- Silver holds exactly the distinct transactions bronze has up to the snapshot (bronze minus duplicates).
WITH b AS (
  SELECT count(DISTINCT transaction_id) AS n FROM bronze_transactions
  WHERE dt <= getvariable('snapshot_date')
),
s AS (SELECT count(*) AS n FROM silver_transactions)
SELECT b.n AS bronze, s.n AS silver FROM b, s WHERE b.n <> s.n
