/**
 * A seeded pipeline run for the API's tests: one simulated day through the real stream worker
 * (in-process log) into a migrated database, and through the lake and the batch into a
 * warehouse (DuckDB file or MongoDB), so every route reads what the pipeline really wrote.
 */
import { createReadStream, mkdtempSync } from "node:fs";
import { createInterface } from "node:readline";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Db } from "mongodb";
import { seedLake } from "../../batch/testing/seed-lake.ts";
import { runDate, type BatchEnv } from "../../batch/run-date.ts";
import type { Sql } from "../../core/db/sql.ts";
import { MemoryLog } from "../../core/eventlog/memory-log.ts";
import { partitionFor } from "../../core/eventlog/partitioner.ts";
import type { Logger } from "../../core/logger.ts";
import { FileStore } from "../../lake/store/file-store.ts";
import { DEFAULT_SESSION_RULES } from "../../stream/operators/sessions/rules.ts";
import { ProductCache } from "../../stream/postgres/products.ts";
import {
  caughtUp,
  loadProductsFile,
  seededDataset,
  waitFor,
  type Dataset,
  PARTITIONS,
} from "../../stream/testing/harness.ts";
import { DEFAULT_STREAM_OPTIONS, StreamWorker } from "../../stream/worker.ts";
import { fileRunHistory } from "../../warehouse/runs-file.ts";
import { mongoRunHistory } from "../../warehouse/runs.ts";

export const SNAPSHOT = "2026-11-01";
export const DAY = { from: "2026-11-01T00:00:00Z", to: "2026-11-02T00:00:00Z" };

export function apiDataset(): Promise<Dataset> {
  return seededDataset(mkdtempSync(join(tmpdir(), "api-events-")), {
    seed: 33,
    users: 600,
    products: 250,
    days: 1,
    transactionsPerDay: 900,
    until: DAY.to,
  });
}

/** Runs the stream worker over the dataset's events file until every record is committed. */
export async function seedRealtime(sql: Sql, ds: Dataset, logger: Logger, batchSize = 2000): Promise<void> {
  await loadProductsFile(sql, ds.productsFile);
  const log = new MemoryLog();
  const ends = new Map<string, number>();
  // Line by line: a week at full scale is more than one string can hold.
  for await (const line of createInterface({ input: createReadStream(ds.eventsFile) })) {
    if (line === "") continue;
    const e = JSON.parse(line) as { topic: string; key: string; value: unknown };
    log.enqueue({ topic: e.topic, key: e.key, value: Buffer.from(JSON.stringify(e.value)) });
    const k = `${e.topic}/${partitionFor(e.key, PARTITIONS)}`;
    ends.set(k, (ends.get(k) ?? 0) + 1);
  }
  const worker = new StreamWorker(
    sql,
    await ProductCache.load(sql),
    log,
    {
      ...DEFAULT_STREAM_OPTIONS,
      owner: "api-test",
      sessions: DEFAULT_SESSION_RULES,
      idleMs: 300,
      batchSize,
    },
    logger,
  );
  const consumer = await log.join(DEFAULT_STREAM_OPTIONS.group, worker.topics, worker.handlers);
  const stop = new AbortController();
  const running = worker.run(consumer, stop.signal);
  await waitFor("the stream worker", () => caughtUp(sql, DEFAULT_STREAM_OPTIONS.group, ends), 900_000);
  stop.abort();
  await running;
  await consumer.close();
}

export interface SeededWarehouse {
  lakeDir: string;
  /** Runs the batch for the snapshot date again: a new snapshot of every table. */
  publish(): Promise<void>;
}

/** Writes the dataset into a local lake and publishes the batch to `target`. */
export async function seedWarehouse(
  ds: Dataset,
  target: { duckdbPath: string; historyFile: string } | { db: Db },
  logger: Logger,
  options: { date?: string } = {},
): Promise<SeededWarehouse> {
  const lakeDir = mkdtempSync(join(tmpdir(), "api-lake-"));
  const store = new FileStore(lakeDir);
  await seedLake(store, ds.eventsFile);
  const env: BatchEnv = {
    store,
    db: "db" in target ? target.db : undefined,
    ...("duckdbPath" in target ? { duckdbWarehouse: target.duckdbPath } : {}),
    history: "db" in target ? mongoRunHistory(target.db) : fileRunHistory(target.historyFile),
    productsFile: ds.productsFile,
    cacheDir: mkdtempSync(join(tmpdir(), "api-cache-")),
    workDir: mkdtempSync(join(tmpdir(), "api-work-")),
    logger,
  };
  const publish = async () => {
    await runDate(env, options.date ?? SNAPSHOT, undefined);
  };
  await publish();
  return { lakeDir, publish };
}
