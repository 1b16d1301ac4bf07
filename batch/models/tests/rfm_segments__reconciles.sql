SELECT sum(customers) AS customers FROM rfm_segments HAVING sum(customers) <> (SELECT count(*) FROM rfm_customers)
