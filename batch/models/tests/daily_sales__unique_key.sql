SELECT date, category, country FROM daily_sales GROUP BY ALL HAVING count(*) > 1
