-- Month 0 of a cohort is the cohort itself; retention is a share.
SELECT cohort_month, months_since_first, cohort_size, active_customers FROM cohort_retention
WHERE (months_since_first = 0 AND active_customers <> cohort_size) OR retention NOT BETWEEN 0 AND 1 OR months_since_first < 0
