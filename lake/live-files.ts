/**
 * Which bronze files a reader should read. Compaction (compact.ts) writes the merged file of an
 * hour first and deletes its sources after, and the merged file names the files it replaces in
 * its Parquet metadata. A reader skips any file a present compacted file replaces, so at every
 * moment of a compaction it sees each row exactly once: sources only, or the merged file
 * (with or without the sources still lying next to it), never both and never neither.
 */
import { DuckDBConnection } from "@duckdb/node-api";
import { compactedGeneration } from "./layout.ts";
import { sqlString } from "../core/sql-literal.ts";

export const REPLACES_KEY = "lakehouse.replaces";

/** File names (not keys) a compacted file replaces, read from its footer. */
export async function replacedBy(conn: DuckDBConnection, localPath: string): Promise<string[]> {
  const reader = await conn.runAndReadAll(
    `SELECT decode(value) FROM parquet_kv_metadata(${sqlString(localPath)}) WHERE decode(key) = '${REPLACES_KEY}'`,
  );
  const row = reader.getRows()[0];
  return row ? (JSON.parse(String(row[0])) as string[]) : [];
}

/**
 * Filters the keys of one hour directory down to the live ones. `replaces` gives, for each
 * compacted key present, the file names it replaces.
 */
export function liveKeys(
  keys: readonly string[],
  replaces: ReadonlyMap<string, readonly string[]>,
): string[] {
  const dead = new Set<string>();
  for (const [key, names] of replaces) {
    const dir = key.slice(0, key.lastIndexOf("/") + 1);
    for (const name of names) dead.add(dir + name);
  }
  return keys.filter((k) => !dead.has(k));
}

export function isCompacted(key: string): boolean {
  return compactedGeneration(key) !== undefined;
}
