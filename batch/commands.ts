/** `lakehouse batch run` (SPEC section 7): build silver and gold for one date or a range. */
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { metricsAddress, metricsFlags, parseFlags } from "../cli/args.ts";
import { config } from "../core/config.ts";
import { connectPool } from "../core/db/pool.ts";
import { LakehouseError } from "../core/errors.ts";
import { componentLogger } from "../core/logger.ts";
import { openStore } from "../lake/store/open.ts";
import { MongoClient } from "mongodb";
import { retry } from "../core/retry.ts";
import { runService, stopped } from "../core/service.ts";
import { fileRunHistory, runHistoryFile } from "../warehouse/runs-file.ts";
import { mongoRunHistory } from "../warehouse/runs.ts";
import { plan } from "./models.ts";
import { runDate, type BatchEnv } from "./run-date.ts";
import { startScheduler } from "./schedule.ts";

const log = componentLogger("batch");
const DAY = 86_400_000;

/** Every date from `from` to `to`, inclusive. */
function datesBetween(from: string, to: string): string[] {
  const dates: string[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += DAY)
    dates.push(new Date(t).toISOString().slice(0, 10));
  return dates;
}

/** Exports the product dimension from Postgres as NDJSON into `file`. */
async function exportProducts(url: string, file: string): Promise<void> {
  const pool = await connectPool(url, log, { max: 1 });
  try {
    const { rows } = await pool.query<{ line: string }>(
      "SELECT json_build_object('product_id', product_id, 'name', name, 'category', category, 'price', price)::text AS line FROM products",
    );
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, rows.map((r) => r.line).join("\n"));
  } finally {
    await pool.end();
  }
}

/**
 * The product dimension as NDJSON: the given file, or exported from Postgres before each run
 * (products added since the last run get their category), or none.
 */
function products(
  given: string | undefined,
  workDir: string,
): Pick<BatchEnv, "productsFile" | "refreshProducts"> {
  if (given !== undefined) return { productsFile: given };
  const url = config().databaseUrl;
  if (url === undefined) {
    log.warn('no --products file and no DATABASE_URL: every category will be "unknown"');
    return { productsFile: undefined };
  }
  const file = join(workDir, "products.ndjson");
  return { productsFile: file, refreshProducts: () => exportProducts(url, file) };
}

/** An unknown --job is refused before anything connects or takes the lock. */
function checkJob(job: string | undefined): void {
  try {
    plan(job);
  } catch (err) {
    throw new LakehouseError("CONFIG_INVALID", `--job: ${(err as Error).message}`);
  }
}

export async function batchRun(args: string[]): Promise<number> {
  const flags = parseFlags(args, {
    date: { type: "string" },
    from: { type: "string" },
    to: { type: "string" },
    job: { type: "string" },
    products: { type: "string" },
  });
  // A real calendar day: 2026-13-01 and 2026-02-30 match the shape but are no date.
  const valid = (d: string | undefined) => {
    const t = d !== undefined && /^\d{4}-\d{2}-\d{2}$/.test(d) ? Date.parse(`${d}T00:00:00Z`) : NaN;
    return !Number.isNaN(t) && new Date(t).toISOString().slice(0, 10) === d;
  };
  let dates: string[];
  if (flags.date !== undefined && flags.from === undefined && flags.to === undefined && valid(flags.date))
    dates = [flags.date];
  else if (flags.date === undefined && valid(flags.from) && valid(flags.to) && flags.from! <= flags.to!)
    dates = datesBetween(flags.from!, flags.to!);
  else
    throw new LakehouseError(
      "CONFIG_INVALID",
      "batch run: give --date YYYY-MM-DD, or --from YYYY-MM-DD --to YYYY-MM-DD (from <= to)",
    );
  checkJob(flags.job);
  const env = await openBatchEnv(flags.products);
  try {
    for (const date of dates) await runDate(env, date, flags.job);
    return 0;
  } finally {
    await env.close();
  }
}

/** The lake, the warehouse (when MONGO_URL is set) and the product dimension. */
async function openBatchEnv(
  productsGiven: string | undefined,
): Promise<BatchEnv & { close(): Promise<void> }> {
  const cfg = config();
  const store = openStore(log);
  const mongo = cfg.mongoUrl
    ? new MongoClient(cfg.mongoUrl, { serverSelectionTimeoutMS: 10_000 })
    : undefined;
  const db = mongo ? (await retry(() => mongo.connect(), { what: "mongodb", logger: log })).db() : undefined;
  const duckdbWarehouse = join(cfg.dataDir, "warehouse", "gold.duckdb");
  if (!db) log.warn(`MONGO_URL is not set: gold is served from ${duckdbWarehouse} (no lock between runs)`);
  return {
    store,
    db,
    duckdbWarehouse,
    history: db ? mongoRunHistory(db) : fileRunHistory(runHistoryFile(cfg.dataDir)),
    ...products(productsGiven, join(cfg.dataDir, "batch")),
    cacheDir: join(cfg.dataDir, "batch", "bronze-cache"),
    workDir: join(cfg.dataDir, "batch", "work"),
    logger: log,
    duckdb: { memoryLimit: cfg.batchMemoryLimit, threads: cfg.batchThreads },
    close: async () => {
      await store.close();
      await mongo?.close();
    },
  };
}

export async function batchSchedule(args: string[]): Promise<number> {
  const flags = parseFlags(args, {
    job: { type: "string" },
    products: { type: "string" },
    ...metricsFlags(9467),
  });
  const metrics = metricsAddress(flags);
  checkJob(flags.job);
  const cfg = config();
  const env = await openBatchEnv(flags.products);
  return runService({
    name: "batch scheduler",
    logger: log,
    metrics,
    run: async ({ signal, ready }) => {
      const scheduler = startScheduler(env, {
        cron: cfg.batchCron,
        timeZone: cfg.batchTimeZone,
        job: flags.job,
        logger: log,
      });
      ready();
      await stopped(signal);
      await scheduler.stop();
    },
  }).finally(() => env.close());
}
