-- RFM per customer as of the snapshot date. Scores 1-5 by quintile of the customer's rank
-- (5 = most recent, most frequent, highest spend); tied customers share the lower score, so a
-- rerun never depends on row order and the many one-order customers all get F = 1. Recency is
-- ranked by the exact time of the last purchase (whole days would tie a fifth of the customers
-- at the top and push them down a score) and reported in days. Segments from the R/F grid.
WITH purchases AS (
  SELECT
    user_id,
    max(dt) AS last_purchase,
    max(event_time) AS last_purchase_at,
    count(*) AS frequency,
    sum(total_amount) AS monetary
  FROM silver_transactions
  GROUP BY user_id
),
ranked AS (
  SELECT
    *,
    date_diff('day', last_purchase, getvariable('snapshot_date')) AS recency_days,
    rank() OVER (ORDER BY last_purchase_at) AS r_rank,
    rank() OVER (ORDER BY frequency) AS f_rank,
    rank() OVER (ORDER BY monetary) AS m_rank,
    count(*) OVER () AS customers
  FROM purchases
),
scored AS (
  SELECT
    user_id,
    recency_days,
    frequency,
    monetary,
    CAST(least(5, 1 + floor(5 * (r_rank - 1) / customers)) AS INTEGER) AS r_score,
    CAST(least(5, 1 + floor(5 * (f_rank - 1) / customers)) AS INTEGER) AS f_score,
    CAST(least(5, 1 + floor(5 * (m_rank - 1) / customers)) AS INTEGER) AS m_score,
    last_purchase
  FROM ranked
)
SELECT
  user_id,
  recency_days,
  frequency,
  monetary,
  r_score,
  f_score,
  m_score,
  CASE
    WHEN r_score >= 5 AND f_score >= 4 THEN 'Champions'
    WHEN r_score = 5 AND f_score = 1 THEN 'New Customers'
    WHEN r_score = 4 AND f_score = 1 THEN 'Promising'
    WHEN r_score >= 4 AND f_score BETWEEN 2 AND 3 THEN 'Potential Loyalists'
    WHEN r_score BETWEEN 3 AND 4 AND f_score >= 4 THEN 'Loyal Customers'
    WHEN r_score = 3 AND f_score = 3 THEN 'Need Attention'
    WHEN r_score = 3 AND f_score <= 2 THEN 'About to Sleep'
    WHEN r_score <= 2 AND f_score = 5 THEN 'Can''t Lose Them'
    WHEN r_score <= 2 AND f_score BETWEEN 3 AND 4 THEN 'At Risk'
    ELSE 'Hibernating'
  END AS segment,
  last_purchase,
  getvariable('snapshot_date') AS snapshot_date
FROM scored
