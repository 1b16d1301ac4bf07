/**
 * DuckDB sources for the models: `bronze_<table>` over the synced bronze files (typed by the
 * lake's own schema, so an empty lake still has the right columns; `dt` and `hr` from the
 * Hive path), `bronze_<table>_once` over it (each event once, models/earliest-copy.sql) and
 * `dim_products`.
 */
import { readFileSync } from "node:fs";
import type { DuckDBConnection } from "@duckdb/node-api";
import { EVENT_TOPICS, ID_FIELD } from "../core/events/topics.ts";
import { bronzeColumnsDdl } from "../lake/bronze-schema.ts";
import { sqlString } from "../core/sql-literal.ts";

/** The Hive partition columns the sink's paths add (`dt=`, `hr=`). */
const PATH_COLUMNS_DDL = "dt DATE, hr BIGINT";

/** Creates (or replaces) `bronze_<table>` for every event table from local Parquet paths. */
export async function createBronzeViews(
  conn: DuckDBConnection,
  paths: ReadonlyMap<string, readonly string[]>,
) {
  for (const table of EVENT_TOPICS) {
    const name = `bronze_${table}`;
    const files = paths.get(table) ?? [];
    await conn.run(`DROP VIEW IF EXISTS ${name}; DROP TABLE IF EXISTS ${name}`);
    if (files.length === 0)
      await conn.run(`CREATE TABLE ${name} (${bronzeColumnsDdl(table)}, ${PATH_COLUMNS_DDL})`);
    else
      await conn.run(
        // dt and hr come from the path (the event's UTC date and hour, as the sink files it): the
        // models filter and group on them without converting a timestamp per row.
        `CREATE VIEW ${name} AS SELECT * FROM read_parquet([${files.map(sqlString).join(", ")}], union_by_name = true, hive_partitioning = true)`,
      );
  }
  await createOnceViews(conn);
}

const EARLIEST_COPY = readFileSync(new URL("./models/earliest-copy.sql", import.meta.url), "utf8");

/** `bronze_<table>_once` for every event table, over `bronze_<table>`. */
export async function createOnceViews(conn: DuckDBConnection) {
  for (const table of EVENT_TOPICS)
    await conn.run(
      `CREATE OR REPLACE VIEW bronze_${table}_once AS\n${EARLIEST_COPY.replaceAll("{table}", table).replaceAll("{id}", ID_FIELD[table])}`,
    );
}

/** `dim_products` from an NDJSON file of products (SPEC reference data shape). */
export async function createProductDimension(conn: DuckDBConnection, productsFile: string | undefined) {
  await conn.run("DROP TABLE IF EXISTS dim_products");
  if (productsFile === undefined) {
    await conn.run(
      "CREATE TABLE dim_products (product_id VARCHAR, name VARCHAR, category VARCHAR, price DECIMAL(18, 2))",
    );
    return;
  }
  await conn.run(
    `CREATE TABLE dim_products AS
     SELECT product_id, name, category, CAST(price AS DECIMAL(18, 2)) AS price
     FROM read_json(${sqlString(productsFile)}, format = 'newline_delimited',
                    columns = {product_id: 'VARCHAR', name: 'VARCHAR', category: 'VARCHAR', price: 'DOUBLE'})`,
  );
}
