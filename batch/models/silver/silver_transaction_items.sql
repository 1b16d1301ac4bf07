-- One row per item of a transaction, with the product's category from the dimension.
WITH items AS (
  SELECT transaction_id, user_id, event_time, dt, country, payment_method, unnest(products) AS item
  FROM silver_transactions
)
SELECT
  i.transaction_id,
  i.user_id,
  i.event_time,
  i.dt,
  i.country,
  i.payment_method,
  i.item.product_id AS product_id,
  i.item.quantity AS quantity,
  CAST(i.item.price AS DECIMAL(18, 2)) AS price,
  CAST(i.item.price AS DECIMAL(18, 2)) * i.item.quantity AS line_total,
  coalesce(p.category, 'unknown') AS category
FROM items i
LEFT JOIN dim_products p ON p.product_id = i.item.product_id
