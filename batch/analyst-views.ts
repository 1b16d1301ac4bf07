/**
 * Views for analysts (SPEC section 7, `lakehouse sql`): `bronze.<table>`, `silver.<table>`
 * (every `dt=` partition) and `gold.<table>` (the latest snapshot), over the lake's Parquet
 * files: read in place for a `file://` lake, synced into a local cache (incrementally) for S3.
 */
import type { DuckDBConnection } from "@duckdb/node-api";
import type { ObjectStore } from "../lake/store/port.ts";
import { syncPrefix } from "./lake-sync.ts";
import { sqlString } from "../core/sql-literal.ts";

export async function createAnalystViews(
  conn: DuckDBConnection,
  store: ObjectStore,
  cacheDir: string,
): Promise<Record<string, string[]>> {
  const created: Record<string, string[]> = {};
  for (const layer of ["bronze", "silver", "gold"] as const) {
    await conn.run(`CREATE SCHEMA IF NOT EXISTS ${layer}`);
    let keys = (await store.list(`${layer}/`)).map((o) => o.key).filter((k) => k.endsWith(".parquet"));
    if (layer === "gold") {
      // Only each table's latest snapshot.
      const latest = new Map<string, string>();
      for (const k of keys) {
        const [, table, snapshot] = k.split("/");
        if (snapshot! > (latest.get(table!) ?? "")) latest.set(table!, snapshot!);
      }
      keys = keys.filter((k) => latest.get(k.split("/")[1]!) === k.split("/")[2]);
    }
    const wanted = new Set(keys);
    const { files } = await syncPrefix(store, `${layer}/`, (k) => wanted.has(k), cacheDir, conn);
    const tables = new Map<string, string[]>();
    for (const f of files) {
      const table = f.key.split("/")[1]!;
      tables.set(table, [...(tables.get(table) ?? []), f.path]);
    }
    created[layer] = [];
    for (const [table, paths] of tables) {
      const name = table.replaceAll(".", "_");
      await conn.run(
        `CREATE OR REPLACE VIEW ${layer}.${name} AS SELECT * FROM read_parquet([${paths.map(sqlString).join(", ")}], union_by_name = true, hive_partitioning = ${layer !== "silver"})`,
      );
      created[layer].push(name);
    }
  }
  return created;
}
