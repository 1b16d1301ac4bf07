-- Monthly cohorts by first purchase: of the customers who first bought in a month, how many
-- bought again in each later month.
WITH firsts AS (
  SELECT user_id, date_trunc('month', min(dt)) AS cohort_month FROM silver_transactions GROUP BY user_id
),
active AS (
  SELECT DISTINCT user_id, date_trunc('month', dt) AS month FROM silver_transactions
),
sizes AS (
  SELECT cohort_month, count(*) AS cohort_size FROM firsts GROUP BY cohort_month
)
SELECT
  CAST(f.cohort_month AS DATE) AS cohort_month,
  CAST(date_diff('month', f.cohort_month, a.month) AS INTEGER) AS months_since_first,
  any_value(s.cohort_size) AS cohort_size,
  count(*) AS active_customers,
  round(count(*) / any_value(s.cohort_size), 4) AS retention
FROM firsts f
JOIN active a USING (user_id)
JOIN sizes s USING (cohort_month)
GROUP BY f.cohort_month, a.month
