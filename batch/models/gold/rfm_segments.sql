-- Per RFM segment: size, revenue and averages, and its share of customers.
SELECT
  segment,
  count(*) AS customers,
  sum(monetary) AS revenue,
  round(avg(recency_days), 2) AS avg_recency_days,
  round(avg(frequency), 2) AS avg_frequency,
  CAST(round(avg(monetary), 2) AS DECIMAL(18, 2)) AS avg_monetary,
  round(count(*) / sum(count(*)) OVER (), 4) AS customer_share,
  getvariable('snapshot_date') AS snapshot_date
FROM rfm_customers
GROUP BY segment
