/**
 * The last step of a batch run: the gold tables it built, published to the warehouse as one
 * snapshot (SPEC section 6): to MongoDB through versioned collections and the
 * `warehouse_current` pointers (publish.ts), or, in the embedded default, into the DuckDB gold
 * file (duckdb-warehouse.ts). Runs only after every model and data test passed.
 */
import type { DuckDBConnection } from "@duckdb/node-api";
import type { Db, Document } from "mongodb";
import type { Logger } from "../core/logger.ts";
import { publishToDuckDb } from "./duckdb-warehouse.ts";
import { publishTable, type TableSpec } from "./publish.ts";

export type WarehouseTarget = { db: Db; runId: string } | { duckdbPath: string; runId: string };

/** Publishes the built tables that declare a warehouse key; returns their names. */
export async function publishGold(
  conn: DuckDBConnection,
  built: readonly { name: string; warehouse?: TableSpec }[],
  date: string,
  target: WarehouseTarget,
  logger: Logger,
): Promise<string[]> {
  const specs = new Map(built.flatMap((m) => (m.warehouse ? [[m.name, m.warehouse] as const] : [])));
  const gold = [...specs.keys()];
  const snapshot = { date, runId: target.runId };
  if ("duckdbPath" in target) {
    await publishToDuckDb(conn, target.duckdbPath, gold, snapshot, logger);
    return gold;
  }
  for (const name of gold) {
    // to_json gives numbers for DECIMAL and BIGINT, ISO text for dates.
    const reader = await conn.runAndReadAll(`SELECT to_json(t)::VARCHAR FROM ${name} t`);
    const docs = reader.getRowsJS().map((r) => JSON.parse(r[0] as string) as Document);
    await publishTable(target.db, name, specs.get(name)!, snapshot, docs, logger);
  }
  return gold;
}
