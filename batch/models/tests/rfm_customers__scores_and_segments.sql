-- Scores 1-5, one of the ten segments, nothing missing.
SELECT user_id, r_score, f_score, m_score, segment FROM rfm_customers
WHERE r_score NOT BETWEEN 1 AND 5 OR f_score NOT BETWEEN 1 AND 5 OR m_score NOT BETWEEN 1 AND 5
   OR recency_days < 0 OR frequency < 1 OR monetary IS NULL
   OR segment NOT IN ('Champions', 'Loyal Customers', 'Potential Loyalists', 'New Customers', 'Promising',
                      'Need Attention', 'About to Sleep', 'At Risk', 'Can''t Lose Them', 'Hibernating')
