/**
 * `lakehouse lake compact`: merges the small files of each closed hour into one file per hour
 * and table. The merged file is uploaded first, naming in its footer the files it replaces,
 * and the sources are deleted after; readers skip replaced files (live-files.ts), so they see
 * the hour's rows exactly once throughout. A compaction interrupted between the upload and the
 * deletes is finished by the next run. Rows are copied unchanged, ordered by Kafka position.
 */
import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import type { Logger } from "../core/logger.ts";
import { BRONZE_TABLES, compactedGeneration, compactedKey, HOUR_MS } from "./layout.ts";
import { localCopy, splitLive } from "./fetch.ts";
import { REPLACES_KEY } from "./live-files.ts";
import type { ObjectStore } from "./store/port.ts";
import { sqlString } from "../core/sql-literal.ts";

export interface CompactOptions {
  /** Only this UTC date (YYYY-MM-DD); all dates when unset. */
  date?: string;
  /** Hours ending after this moment are still open and left alone. */
  closedBefore: number;
  workDir: string;
  logger: Logger;
}

export interface CompactStats {
  hours: number;
  merged: number;
  removed: number;
  rows: number;
}

const HOUR_DIR = /^(bronze\/[^/]+\/dt=(\d{4}-\d{2}-\d{2})\/hr=(\d{2})\/)/;

export async function compactLake(store: ObjectStore, options: CompactOptions): Promise<CompactStats> {
  const stats: CompactStats = { hours: 0, merged: 0, removed: 0, rows: 0 };
  await rm(options.workDir, { recursive: true, force: true });
  await mkdir(options.workDir, { recursive: true });
  const db = await DuckDBInstance.create(":memory:", { threads: "2" });
  const conn = await db.connect();
  try {
    for (const table of BRONZE_TABLES) {
      const prefix = `bronze/${table}/${options.date ? `dt=${options.date}/` : ""}`;
      const byHour = new Map<string, string[]>();
      for (const { key } of await store.list(prefix)) {
        const m = HOUR_DIR.exec(key);
        if (!m || !key.endsWith(".parquet")) continue;
        const hourEnd = Date.parse(`${m[2]}T${m[3]}:00:00Z`) + HOUR_MS;
        if (hourEnd > options.closedBefore) continue;
        byHour.set(m[1]!, [...(byHour.get(m[1]!) ?? []), key]);
      }
      for (const [dir, keys] of byHour) {
        const { live, replaced, local } = await splitLive(store, keys, options.workDir, conn);
        const leftovers = [...replaced];
        if (live.length > 1) {
          for (const key of live)
            if (!local.has(key)) local.set(key, await localCopy(store, key, options.workDir));
          const generation = Math.max(0, ...keys.map((k) => compactedGeneration(k) ?? 0)) + 1;
          const target = compactedKey(table, dir, generation);
          const out = join(options.workDir, `${table}-${generation}-${stats.merged}.parquet`);
          const names = live.map((k) => k.slice(dir.length));
          await conn.run(
            `COPY (SELECT * FROM read_parquet([${live.map((k) => sqlString(local.get(k)!)).join(", ")}],
                     hive_partitioning = false, union_by_name = true)
                   ORDER BY kafka_topic, kafka_partition, kafka_offset)
             TO ${sqlString(out)} (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 122880,
               KV_METADATA {"${REPLACES_KEY}": ${sqlString(JSON.stringify(names))}})`,
          );
          const counted = await conn.runAndReadAll(`SELECT count(*) FROM read_parquet(${sqlString(out)})`);
          stats.rows += Number(counted.getRows()[0]![0]);
          await store.putFile(target, out);
          await rm(out);
          leftovers.push(...live);
          stats.merged++;
          options.logger.info(
            { dir, files: live.length, target },
            `${dir}: ${live.length} files -> ${target}`,
          );
        }
        if (leftovers.length > 0) {
          await store.delete(leftovers);
          stats.removed += leftovers.length;
        }
        stats.hours++;
      }
    }
  } finally {
    conn.closeSync();
    db.closeSync();
    await rm(options.workDir, { recursive: true, force: true });
  }
  return stats;
}
