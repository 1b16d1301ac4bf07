/**
 * The embedded default's warehouse (SPEC section 2: no MONGO_URL): the gold tables in one
 * DuckDB file, `$DATA_DIR/warehouse/gold.duckdb`. A publish writes a complete new file next
 * to it (tables this run did not build are copied from the current file) and renames it over
 * the old one: a reader opening the file gets the old snapshot or the new one, never a mix.
 */
import { existsSync } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import { dirname } from "node:path";
import type { DuckDBConnection } from "@duckdb/node-api";
import type { Logger } from "../core/logger.ts";
import { sqlString } from "../core/sql-literal.ts";

/** Publishes `tables` (DuckDB tables of `conn`) into the warehouse file at `path`. */
export async function publishToDuckDb(
  conn: DuckDBConnection,
  path: string,
  tables: readonly string[],
  snapshotDate: string,
  logger: Logger,
): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const next = `${path}.next`;
  await rm(next, { force: true });
  await rm(`${next}.wal`, { force: true });
  await conn.run(`ATTACH ${sqlString(next)} AS wh_next`);
  try {
    if (existsSync(path)) {
      await conn.run(`ATTACH ${sqlString(path)} AS wh_current (READ_ONLY)`);
      try {
        const reader = await conn.runAndReadAll(
          "SELECT table_name FROM duckdb_tables() WHERE database_name = 'wh_current'",
        );
        for (const [name] of reader.getRowsJS() as [string][])
          if (!tables.includes(name))
            await conn.run(`CREATE TABLE wh_next.${name} AS SELECT * FROM wh_current.${name}`);
      } finally {
        await conn.run("DETACH wh_current");
      }
    }
    for (const t of tables) await conn.run(`CREATE OR REPLACE TABLE wh_next.${t} AS SELECT * FROM ${t}`);
    await conn.run(
      `CREATE OR REPLACE TABLE wh_next.warehouse_snapshot AS SELECT DATE '${snapshotDate}' AS snapshot_date, now() AS published_at`,
    );
  } finally {
    await conn.run("DETACH wh_next");
  }
  await rename(next, path);
  logger.info({ path, tables: tables.length }, `published ${tables.length} gold tables to ${path}`);
}
