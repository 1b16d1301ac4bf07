/**
 * Brings the bronze files a batch run needs to local disk for DuckDB (it cannot fetch its S3
 * extension on these machines). Incremental: a file already in the cache with the object's
 * size and etag is not downloaded again. A `file://` lake is read in place. Files a compacted
 * file replaces are skipped, so every row is read once (lake/live-files.ts).
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { DuckDBConnection } from "@duckdb/node-api";
import { EVENT_TOPICS } from "../core/events/topics.ts";
import type { Logger } from "../core/logger.ts";
import { splitLive } from "../lake/fetch.ts";
import type { ObjectInfo, ObjectStore } from "../lake/store/port.ts";

export interface SyncStats {
  files: number;
  downloaded: number;
  bytes: number;
}

/** The bronze dates (`dt=` partitions) the lake holds for the event tables, sorted. */
export async function bronzeDates(store: ObjectStore): Promise<string[]> {
  const dates = new Set<string>();
  for (const table of EVENT_TOPICS)
    for (const o of await store.list(`bronze/${table}/`)) {
      const m = /\/dt=(\d{4}-\d{2}-\d{2})\//.exec(o.key);
      if (m) dates.add(m[1]!);
    }
  return [...dates].sort();
}

const stamp = (o: ObjectInfo) => `${o.size}:${o.etag}`;

/**
 * Local paths of the live bronze files of `table` for dates up to `until` (inclusive).
 * Downloads into `cacheDir` only what changed since the last sync.
 */
export async function syncBronze(
  store: ObjectStore,
  table: string,
  until: string,
  cacheDir: string,
  conn: DuckDBConnection,
  logger: Logger,
): Promise<{ paths: string[]; stats: SyncStats }> {
  const objects = (await store.list(`bronze/${table}/`)).filter((o) => {
    const m = /\/dt=(\d{4}-\d{2}-\d{2})\//.exec(o.key);
    return o.key.endsWith(".parquet") && m !== null && m[1]! <= until;
  });
  const info = new Map(objects.map((o) => [o.key, o]));
  const { live, local } = await splitLive(
    store,
    objects.map((o) => o.key),
    cacheDir,
    conn,
  );
  const stats: SyncStats = { files: live.length, downloaded: 0, bytes: 0 };
  const paths: string[] = [];
  for (const key of live) {
    const inPlace = store.localPath(key) ?? local.get(key);
    if (inPlace) {
      paths.push(inPlace);
      continue;
    }
    const path = join(cacheDir, ...key.split("/"));
    const marker = `${path}.stamp`;
    const want = stamp(info.get(key)!);
    const have = await readFile(marker, "utf8").catch(() => undefined);
    if (have !== want) {
      await mkdir(dirname(path), { recursive: true });
      await store.getFile(key, path);
      await writeFile(marker, want);
      stats.downloaded += 1;
      stats.bytes += info.get(key)!.size;
    }
    paths.push(path);
  }
  logger.debug({ table, ...stats }, `bronze ${table}: ${stats.files} files, ${stats.downloaded} fetched`);
  return { paths, stats };
}
