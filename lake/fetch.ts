/**
 * Brings the live bronze files under a prefix to local disk for DuckDB (it cannot fetch its S3
 * extension on these machines). A `file://` lake is read in place. Files a compacted file
 * replaces are skipped (live-files.ts).
 */
import { join } from "node:path";
import type { DuckDBConnection } from "@duckdb/node-api";
import type { ObjectStore } from "./store/port.ts";
import { isCompacted, liveKeys, replacedBy } from "./live-files.ts";

export interface LocalFile {
  key: string;
  path: string;
}

/** A local path holding `key`: the file itself for a directory lake, else a download into `cacheDir`. */
export async function localCopy(store: ObjectStore, key: string, cacheDir: string): Promise<string> {
  const inPlace = store.localPath(key);
  if (inPlace) return inPlace;
  const path = join(cacheDir, ...key.split("/"));
  await store.getFile(key, path);
  return path;
}

/**
 * Splits Parquet keys into the live ones and those a present compacted file replaces. `local`
 * holds the copies already made (the compacted files, whose footers had to be read).
 */
export async function splitLive(
  store: ObjectStore,
  keys: readonly string[],
  cacheDir: string,
  conn: DuckDBConnection,
  /** How a file gets to disk; a caching reader passes one that skips unchanged files. */
  copy: (store: ObjectStore, key: string, cacheDir: string) => Promise<string> = localCopy,
): Promise<{ live: string[]; replaced: string[]; local: Map<string, string> }> {
  const local = new Map<string, string>();
  const replaces = new Map<string, string[]>();
  for (const key of keys.filter(isCompacted)) {
    const path = await copy(store, key, cacheDir);
    local.set(key, path);
    replaces.set(key, await replacedBy(conn, path));
  }
  const live = liveKeys(keys, replaces);
  const alive = new Set(live);
  return { live, replaced: keys.filter((k) => !alive.has(k)), local };
}

/** Every live Parquet file under `prefix`, as local paths. */
export async function fetchLive(
  store: ObjectStore,
  prefix: string,
  cacheDir: string,
  conn: DuckDBConnection,
): Promise<LocalFile[]> {
  const keys = (await store.list(prefix)).map((o) => o.key).filter((k) => k.endsWith(".parquet"));
  const { live, local } = await splitLive(store, keys, cacheDir, conn);
  const files: LocalFile[] = [];
  for (const key of live)
    files.push({ key, path: local.get(key) ?? (await localCopy(store, key, cacheDir)) });
  return files;
}
