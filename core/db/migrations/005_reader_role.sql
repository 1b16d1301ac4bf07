-- The read-only role the REST API and Grafana connect as (SPEC section 9): SELECT on the
-- real-time outputs and the product dimension, nothing else. No pipeline state (offsets,
-- operator state, dead letters, late events with their payloads) and no users (emails).
-- NOLOGIN: an operator gives it a password (ALTER ROLE lakehouse_reader LOGIN PASSWORD ...),
-- or a login that is a member uses SET ROLE, as the API does on every connection.
-- A later migration that adds an output table grants it here too.
DO $$
BEGIN
  CREATE ROLE lakehouse_reader NOLOGIN;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
  NULL; -- another schema of the same cluster created it first
END $$;

DO $$
BEGIN
  EXECUTE format('GRANT USAGE ON SCHEMA %I TO lakehouse_reader', current_schema());
  -- The owner may SET ROLE to it (a superuser always can).
  IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
    EXECUTE format('GRANT lakehouse_reader TO %I', current_user);
  END IF;
END $$;

GRANT SELECT ON
  products, inventory_status,
  sales_metrics, sales_metrics_hourly, transaction_anomalies, low_stock_alerts, inventory_velocity,
  session_metrics, cart_abandonment, funnel_metrics, payment_metrics, refund_metrics,
  net_revenue_minute, operational_metrics
TO lakehouse_reader;
