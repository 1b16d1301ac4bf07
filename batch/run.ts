/**
 * One batch run for one snapshot date, in four steps: sync the bronze the date needs
 * (everything up to it: RFM looks at whole histories); build the models with their data tests;
 * only if all pass, write the date's silver partition and the gold snapshot as Parquet to the
 * lake; then the caller's publish step (the warehouse: warehouse/publish-gold.ts). A rerun of a
 * date reads the same bronze and writes the same files (SPEC section 5).
 */
import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";
import { defaultBatchBudget } from "../core/config.ts";
import { EVENT_TOPICS } from "../core/events/topics.ts";
import type { Logger } from "../core/logger.ts";
import type { ObjectStore } from "../lake/store/port.ts";
import { createBronzeViews, createProductDimension } from "./bronze-views.ts";
import { LakehouseError } from "../core/errors.ts";
import { syncBronze } from "./lake-sync.ts";
import { plan, type Model } from "./models.ts";
import { runModels, type ModelResult } from "./run-models.ts";
import { sqlString } from "../core/sql-literal.ts";

export interface BatchRunOptions {
  store: ObjectStore;
  /** The snapshot date, YYYY-MM-DD (UTC). */
  date: string;
  /** One model and what it needs; every model when undefined. */
  job?: string;
  /** products.ndjson of the product dimension; without it every category is "unknown". */
  productsFile?: string;
  /** Bronze cache (kept between runs: the sync is incremental) and scratch space. */
  cacheDir: string;
  workDir: string;
  logger: Logger;
  /** DuckDB's budget (BATCH_MEMORY_LIMIT, BATCH_THREADS); past the limit it spills to workDir. */
  duckdb?: DuckDBBudget;
  /**
   * The step after the models and the lake snapshot, chosen by the caller (run-date.ts: the
   * warehouse publish): it gets the run's DuckDB, where every model of `models` is built and
   * tested, and returns what it published.
   */
  publish?: (built: { conn: DuckDBConnection; models: readonly Model[] }) => Promise<string[]>;
}

export interface BatchRunResult {
  date: string;
  models: ModelResult[];
  sync: { files: number; downloaded: number; bytes: number; ms: number };
  buildMs: number;
  publishMs: number;
  /** Lake keys written. */
  written: string[];
  /** Gold tables published to the warehouse. */
  published: string[];
  warehouseMs: number;
}

export interface DuckDBBudget {
  /** A DuckDB size such as "1.5GB". */
  memoryLimit: string;
  threads: number;
}

export const DEFAULT_BUDGET: DuckDBBudget = defaultBatchBudget();

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

/** The lake key of a model's snapshot file for `date`. */
function snapshotKey(model: Model, date: string): string {
  return model.layer === "silver"
    ? `silver/${model.name.replace(/^silver_/, "")}/dt=${date}/part-0.parquet`
    : `gold/${model.name}/snapshot=${date}/part-0.parquet`;
}

async function publish(conn: DuckDBConnection, options: BatchRunOptions, models: readonly Model[]) {
  const dir = join(options.workDir, "out");
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const written: string[] = [];
  for (const model of models) {
    const key = snapshotKey(model, options.date);
    const path = join(dir, key.replaceAll("/", "__"));
    // Silver is partitioned by event date: this run owns the partition of its own date.
    const rows =
      model.layer === "silver"
        ? `SELECT * FROM ${model.name} WHERE dt = getvariable('snapshot_date')`
        : `SELECT * FROM ${model.name}`;
    await conn.run(`COPY (${rows}) TO ${sqlString(path)} (FORMAT parquet, COMPRESSION zstd)`);
    await options.store.putFile(key, path);
    written.push(key);
  }
  return written;
}

export async function runBatch(options: BatchRunOptions): Promise<BatchRunResult> {
  if (!DATE_RE.test(options.date))
    throw new RangeError(`date ${JSON.stringify(options.date)}: expected YYYY-MM-DD`);
  const models = plan(options.job);
  await mkdir(options.workDir, { recursive: true });
  const budget = options.duckdb ?? DEFAULT_BUDGET;
  const db = await DuckDBInstance.create(":memory:", {
    threads: String(budget.threads),
    memory_limit: budget.memoryLimit,
    temp_directory: join(options.workDir, "duckdb-tmp"),
  });
  const conn = await db.connect();
  try {
    // Row order inside a table means nothing to the models (every output is keyed); not keeping
    // it lets DuckDB stream and parallelise more.
    await conn.run("SET TimeZone = 'UTC'; SET preserve_insertion_order = false");
    await conn.run(`SET VARIABLE snapshot_date = DATE '${options.date}'`);

    let started = performance.now();
    const paths = new Map<string, string[]>();
    const sync = { files: 0, downloaded: 0, bytes: 0, ms: 0 };
    for (const table of EVENT_TOPICS) {
      const r = await syncBronze(options.store, table, options.date, options.cacheDir, conn, options.logger);
      paths.set(table, r.paths);
      sync.files += r.stats.files;
      sync.downloaded += r.stats.downloaded;
      sync.bytes += r.stats.bytes;
    }
    sync.ms = Math.round(performance.now() - started);
    // Gold is built from everything up to the date: with nothing there, publishing would move
    // the warehouse's pointers to empty tables (a mistyped year, a wrong LAKE_URI).
    if (sync.files === 0)
      throw new LakehouseError(
        "NOT_FOUND",
        `the lake has no events on or before ${options.date}: nothing to build or publish (check the date and LAKE_URI)`,
      );
    await createBronzeViews(conn, paths);
    await createProductDimension(conn, options.productsFile);

    started = performance.now();
    const results = await runModels(conn, models, options.logger);
    const buildMs = Math.round(performance.now() - started);

    started = performance.now();
    const written = await publish(conn, options, models);
    const publishMs = Math.round(performance.now() - started);

    started = performance.now();
    const published = options.publish ? await options.publish({ conn, models }) : [];
    const warehouseMs = Math.round(performance.now() - started);
    return { date: options.date, models: results, sync, buildMs, publishMs, written, published, warehouseMs };
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}
