/**
 * One date's batch as a recorded, exclusive job: take the batch lock (so a scheduled and a
 * manual run never overlap), record the run in `batch_runs`, build and publish, record the
 * outcome. Shared by `lakehouse batch run` and `lakehouse batch schedule`.
 */
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { Db } from "mongodb";
import type { LakehouseError } from "../core/errors.ts";
import type { Logger } from "../core/logger.ts";
import type { ObjectStore } from "../lake/store/port.ts";
import { acquireLock } from "../warehouse/lock.ts";
import { publishGold, type WarehouseTarget } from "../warehouse/publish-gold.ts";
import type { RunHistory } from "../warehouse/runs.ts";
import type { ModelResult } from "./run-models.ts";
import { runBatch, type BatchRunResult, type DuckDBBudget } from "./run.ts";

export interface BatchEnv {
  store: ObjectStore;
  /**
   * The MongoDB warehouse (lock, history, publish); without it gold is published to the
   * embedded DuckDB warehouse file, when given.
   */
  db: Db | undefined;
  duckdbWarehouse?: string;
  /** `batch_runs`: in MongoDB with it, else a file beside the DuckDB warehouse. */
  history: RunHistory | undefined;
  productsFile: string | undefined;
  /** Brings productsFile up to date before each run (a scheduler runs for months). */
  refreshProducts?: () => Promise<void>;
  cacheDir: string;
  workDir: string;
  logger: Logger;
  /** DuckDB's memory limit and threads; runBatch's default when unset. */
  duckdb?: DuckDBBudget;
}

const BATCH_LOCK = "batch";

/**
 * Runs `date`. With `skipIfDoneSince`, a date that already succeeded for the same job since
 * that moment is not run again (two schedulers firing on the same tick run it once).
 */
export async function runDate(
  env: BatchEnv,
  date: string,
  job: string | undefined,
  options: { skipIfDoneSince?: Date; signal?: AbortSignal } = {},
): Promise<BatchRunResult | undefined> {
  const { db, history, logger } = env;
  const runId = `${date}-${randomBytes(4).toString("hex")}`;
  const lock = db
    ? await acquireLock(db, BATCH_LOCK, `${hostname()}/${process.pid}/${runId}`, {
        logger,
        ...(options.signal ? { signal: options.signal } : {}),
      })
    : undefined;
  try {
    if (history && options.skipIfDoneSince) {
      const done = await history.succeededSince(date, job ?? "all", options.skipIfDoneSince);
      if (done) {
        logger.info({ date, run: done._id }, `batch ${date}: already done by run ${done._id}, not run again`);
        return undefined;
      }
    }
    await env.refreshProducts?.();
    const startedAt = Date.now();
    await history?.start({ id: runId, job: job ?? "all", date });
    // Publishing is the last step, after every model and data test passed.
    const target: WarehouseTarget | undefined = db
      ? { db, runId }
      : env.duckdbWarehouse
        ? { duckdbPath: env.duckdbWarehouse, runId }
        : undefined;
    let r: BatchRunResult;
    try {
      r = await runBatch({
        store: env.store,
        date,
        job,
        productsFile: env.productsFile,
        cacheDir: env.cacheDir,
        workDir: env.workDir,
        logger,
        duckdb: env.duckdb,
        ...(target ? { publish: (b) => publishGold(b.conn, b.models, date, target, logger) } : {}),
      });
    } catch (err) {
      // A failed data test carries the results so far: the history shows which test failed.
      const partial = (err as LakehouseError).context?.results as ModelResult[] | undefined;
      await history?.end(runId, {
        status: "failed",
        error: (err as Error).message,
        startedAt,
        ...(partial ? { models: partial } : {}),
      });
      throw err;
    }
    await history?.end(runId, { status: "succeeded", models: r.models, startedAt });
    const rows = r.models.map((m) => `${m.model}=${m.rows}`).join(" ");
    logger.info(
      {
        date,
        run: runId,
        sync: r.sync,
        buildMs: r.buildMs,
        publishMs: r.publishMs,
        warehouseMs: r.warehouseMs,
      },
      `batch ${date}: synced ${r.sync.files} files (${r.sync.downloaded} new) in ${r.sync.ms} ms, built in ${r.buildMs} ms, ` +
        `wrote ${r.written.length} files in ${r.publishMs} ms, published ${r.published.length} tables in ${r.warehouseMs} ms; ${rows}`,
    );
    return r;
  } finally {
    await lock?.release();
  }
}
