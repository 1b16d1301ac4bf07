/**
 * Brings the bronze files a batch run needs to local disk for DuckDB (it cannot fetch its S3
 * extension on these machines). Incremental: a file already in the cache with the object's
 * size and etag is not downloaded again. A `file://` lake is read in place. Files a compacted
 * file replaces are skipped, so every row is read once (lake/live-files.ts).
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { DuckDBConnection } from "@duckdb/node-api";
import type { Logger } from "../core/logger.ts";
import { splitLive, type LocalFile } from "../lake/fetch.ts";
import type { ObjectInfo, ObjectStore } from "../lake/store/port.ts";

export interface SyncStats {
  files: number;
  downloaded: number;
  bytes: number;
}

const stamp = (o: ObjectInfo) => `${o.size}:${o.etag}`;
const DT_RE = /\/dt=(\d{4}-\d{2}-\d{2})\//;

/**
 * Local paths of the live Parquet files under `prefix` that `keep` accepts. Downloads into
 * `cacheDir` only what changed since the last sync.
 */
export async function syncPrefix(
  store: ObjectStore,
  prefix: string,
  keep: (key: string) => boolean,
  cacheDir: string,
  conn: DuckDBConnection,
): Promise<{ files: LocalFile[]; stats: SyncStats }> {
  const objects = (await store.list(prefix)).filter((o) => o.key.endsWith(".parquet") && keep(o.key));
  const info = new Map(objects.map((o) => [o.key, o]));
  const stats: SyncStats = { files: 0, downloaded: 0, bytes: 0 };
  // Downloads a key unless the cache already holds this version of it (same size and etag).
  const cached = async (from: ObjectStore, key: string): Promise<string> => {
    const inPlace = from.localPath(key);
    if (inPlace) return inPlace;
    const path = join(cacheDir, ...key.split("/"));
    const marker = `${path}.stamp`;
    const want = stamp(info.get(key)!);
    const have = await readFile(marker, "utf8").catch(() => undefined);
    if (have !== want) {
      await mkdir(dirname(path), { recursive: true });
      await from.getFile(key, path);
      await writeFile(marker, want);
      stats.downloaded += 1;
      stats.bytes += info.get(key)!.size;
    }
    return path;
  };
  const { live, local } = await splitLive(
    store,
    objects.map((o) => o.key),
    cacheDir,
    conn,
    (from, key) => cached(from, key),
  );
  stats.files = live.length;
  const files: LocalFile[] = [];
  for (const key of live) files.push({ key, path: local.get(key) ?? (await cached(store, key)) });
  return { files, stats };
}

/** The live bronze files of `table` for dates up to `until` (inclusive), synced. */
export async function syncBronze(
  store: ObjectStore,
  table: string,
  until: string,
  cacheDir: string,
  conn: DuckDBConnection,
  logger: Logger,
): Promise<{ paths: string[]; stats: SyncStats }> {
  const result = await syncPrefix(
    store,
    `bronze/${table}/`,
    (key) => {
      const m = DT_RE.exec(key);
      return m !== null && m[1]! <= until;
    },
    cacheDir,
    conn,
  );
  logger.debug(
    { table, ...result.stats },
    `bronze ${table}: ${result.stats.files} files, ${result.stats.downloaded} fetched`,
  );
  return { paths: result.files.map((f) => f.path), stats: result.stats };
}
