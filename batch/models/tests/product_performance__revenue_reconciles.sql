SELECT sum(revenue) AS gold FROM product_performance
HAVING sum(revenue) IS DISTINCT FROM (SELECT sum(line_total) FROM silver_transaction_items)
