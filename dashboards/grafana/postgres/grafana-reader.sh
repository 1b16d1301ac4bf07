#!/usr/bin/env bash
# Runs once when the compose Postgres initialises its data directory
# (/docker-entrypoint-initdb.d): a login for Grafana that holds only lakehouse_reader's
# grants, read-only and with a statement timeout. Migration 005 creates the same group role
# with IF-NOT-EXISTS semantics and grants it SELECT on the real-time tables.
set -euo pipefail
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v user="${GRAFANA_DB_USER:-grafana}" -v password="${GRAFANA_DB_PASSWORD:?set GRAFANA_DB_PASSWORD}" <<'SQL'
SELECT 'CREATE ROLE lakehouse_reader NOLOGIN'
WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'lakehouse_reader') \gexec
CREATE ROLE :"user" LOGIN PASSWORD :'password' IN ROLE lakehouse_reader;
ALTER ROLE :"user" SET default_transaction_read_only = on;
ALTER ROLE :"user" SET statement_timeout = '10s';
SQL
