/**
 * The embedded default's warehouse (SPEC section 2: no MONGO_URL): the gold tables in one
 * DuckDB file, `$DATA_DIR/warehouse/gold.duckdb`. A publish writes a complete new file next
 * to it (tables this run did not build are copied from the current file) and renames it over
 * the old one: a reader opening the file gets the old snapshot or the new one, never a mix.
 * `warehouse_tables` holds one row per table (snapshot date, run id, rows), carried over with
 * the tables this run did not build: the DuckDB twin of MongoDB's `warehouse_current`.
 */
import { existsSync } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import { dirname } from "node:path";
import type { DuckDBConnection } from "@duckdb/node-api";
import type { Logger } from "../core/logger.ts";
import { sqlString } from "../core/sql-literal.ts";

export const DUCKDB_POINTERS = "warehouse_tables";

/** Publishes `tables` (DuckDB tables of `conn`) into the warehouse file at `path`. */
export async function publishToDuckDb(
  conn: DuckDBConnection,
  path: string,
  tables: readonly string[],
  snapshot: { date: string; runId: string },
  logger: Logger,
): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const next = `${path}.next`;
  await rm(next, { force: true });
  await rm(`${next}.wal`, { force: true });
  await conn.run(`ATTACH ${sqlString(next)} AS wh_next`);
  try {
    await conn.run(`CREATE TABLE wh_next.${DUCKDB_POINTERS} (
      table_name VARCHAR PRIMARY KEY, snapshot_date DATE NOT NULL, run_id VARCHAR NOT NULL,
      rows BIGINT NOT NULL, published_at TIMESTAMPTZ NOT NULL)`);
    if (existsSync(path)) {
      await conn.run(`ATTACH ${sqlString(path)} AS wh_current (READ_ONLY)`);
      try {
        const reader = await conn.runAndReadAll(
          `SELECT table_name FROM duckdb_tables() WHERE database_name = 'wh_current' AND table_name <> '${DUCKDB_POINTERS}'`,
        );
        const carried = (reader.getRowsJS() as [string][])
          .map(([name]) => name)
          .filter((n) => !tables.includes(n));
        for (const name of carried)
          await conn.run(`CREATE TABLE wh_next.${name} AS SELECT * FROM wh_current.${name}`);
        const pointers = await conn.runAndReadAll(
          `SELECT count(*) FROM duckdb_tables() WHERE database_name = 'wh_current' AND table_name = '${DUCKDB_POINTERS}'`,
        );
        if (carried.length > 0 && Number(pointers.getRowsJS()[0]![0]) > 0)
          await conn.run(
            `INSERT INTO wh_next.${DUCKDB_POINTERS} SELECT * FROM wh_current.${DUCKDB_POINTERS}
             WHERE table_name IN (${carried.map(sqlString).join(", ")})`,
          );
      } finally {
        await conn.run("DETACH wh_current");
      }
    }
    for (const t of tables) {
      await conn.run(`CREATE OR REPLACE TABLE wh_next.${t} AS SELECT * FROM ${t}`);
      await conn.run(
        `INSERT INTO wh_next.${DUCKDB_POINTERS}
         SELECT ${sqlString(t)}, DATE ${sqlString(snapshot.date)}, ${sqlString(snapshot.runId)}, count(*), now() FROM ${t}`,
      );
    }
  } finally {
    await conn.run("DETACH wh_next");
  }
  await rename(next, path);
  logger.info({ path, tables: tables.length }, `published ${tables.length} gold tables to ${path}`);
}
