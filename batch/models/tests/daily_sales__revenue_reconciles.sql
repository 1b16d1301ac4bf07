-- Gold revenue per day equals silver's, to the cent; so do orders.
WITH g AS (SELECT date, sum(revenue) AS revenue FROM daily_sales GROUP BY date),
s AS (
  SELECT dt AS date, sum(line_total) AS revenue FROM silver_transaction_items GROUP BY dt
)
SELECT coalesce(g.date, s.date) AS date, g.revenue AS gold, s.revenue AS silver
FROM g FULL JOIN s USING (date)
WHERE g.revenue IS DISTINCT FROM s.revenue
