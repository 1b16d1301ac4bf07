SELECT date FROM funnel_daily GROUP BY date HAVING count(*) > 1
