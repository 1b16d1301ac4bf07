-- Every viewed product has a conversion (0 when it never sold), and only viewed ones do: the
-- API's sort by conversion walks exactly the viewed products.
SELECT product_id FROM product_performance
WHERE (views > 0) <> (view_to_purchase IS NOT NULL) OR view_to_purchase < 0
