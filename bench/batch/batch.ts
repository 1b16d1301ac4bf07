/**
 * The nightly batch on a GlobalMart month: a 30-day backfill (about 3M transactions, 9M views,
 * 3M cart events) is simulated straight into a bronze lake with the sink's own writer (files
 * per partition and hour, as the sink writes them), then `runBatch` builds silver and gold for
 * the last day. Prints the time to sync, to build silver + gold (goal <= 30 s) and to run the
 * data tests, to write the snapshots, peak RSS, and the model row counts. Then, beside it, what
 * DuckDB alone needs on the same files with the same budget (the box's floor for any job that
 * recomputes the whole history): reading every bronze column once, and one pass of distinct
 * event ids per table (the least a deduplication must do). Run `lakehouse lake compact` on the
 * lake first to measure the layout a nightly run reads.
 *
 *   node bin/run-ts.mjs bench/batch/batch.ts --days 30 --per-day 100000
 *   LAKE_URI=file:///tmp/bench-batch-lake npx lakehouse lake compact --grace 1s
 *   node bin/run-ts.mjs bench/batch/batch.ts --reuse      # the same lake, without seeding it again
 */
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { partitionFor } from "../../core/eventlog/partitioner.ts";
import { EVENT_TOPICS, ID_FIELD } from "../../core/events/topics.ts";
import { createLogger } from "../../core/logger.ts";
import { simulatorFor } from "../../ingest/generate.ts";
import { CATEGORIES } from "../../ingest/reference/categories.ts";
import { DuckDBInstance } from "@duckdb/node-api";
import { createBronzeViews } from "../../batch/bronze-views.ts";
import { syncBronze } from "../../batch/lake-sync.ts";
import { DEFAULT_BUDGET, runBatch } from "../../batch/run.ts";
import { BronzeWriter } from "../../lake/sink/bronze-writer.ts";
import { TopicBatch } from "../../lake/sink/topic-batch.ts";
import { FileStore } from "../../lake/store/file-store.ts";
import type { ObjectStore } from "../../lake/store/port.ts";
import { S3Store } from "../../lake/store/s3-store.ts";
import { localServers } from "../../core/local-servers.ts";
import { peakRssMb } from "../measure.ts";

const { values } = parseArgs({
  options: {
    days: { type: "string", default: "30" },
    "per-day": { type: "string", default: "100000" },
    users: { type: "string", default: "1000000" },
    products: { type: "string", default: "250000" },
    "lake-dir": { type: "string", default: "/tmp/bench-batch-lake" },
    reuse: { type: "boolean", default: false },
    /** Also copy the lake to MinIO under this prefix and run from there (sync measured). */
    s3: { type: "string" },
    /** DuckDB's budget, as BATCH_MEMORY_LIMIT and BATCH_THREADS give it. */
    "memory-limit": { type: "string", default: DEFAULT_BUDGET.memoryLimit },
    threads: { type: "string", default: String(DEFAULT_BUDGET.threads) },
  },
});
const logger = createLogger({ level: "warn" });
const lakeDir = values["lake-dir"];
const store = new FileStore(lakeDir);
const until = Date.parse("2026-11-01T00:00:00Z");
const days = Number(values.days);
const lastDay = new Date(until - 86_400_000).toISOString().slice(0, 10);
const productsFile = join(lakeDir, "products.ndjson");
const simulator = simulatorFor({
  seed: 42,
  users: Number(values.users),
  products: Number(values.products),
  anomalyRate: 0.005,
  mode: { kind: "backfill", days, until, transactionsPerDay: Number(values["per-day"]) },
});

if (!values.reuse || !existsSync(productsFile)) {
  const started = performance.now();
  const writer = await BronzeWriter.open(mkdtempSync(join(tmpdir(), "bench-batch-writer-")));
  const batches = new Map(EVENT_TOPICS.map((t) => [t as string, new TopicBatch(t)]));
  const offsets = new Map<string, number>();
  const counts = new Map<string, number>();
  const flush = async (batch: TopicBatch) => {
    const result = await writer.write(batch, until);
    for (const f of result.files) await store.putFile(f.key, f.path);
    await writer.discard(result);
    batches.set(batch.topic, new TopicBatch(batch.topic));
  };
  for (const e of simulator.events()) {
    const partition = partitionFor(e.key, 6);
    const k = `${e.topic}/${partition}`;
    const offset = offsets.get(k) ?? 0;
    offsets.set(k, offset + 1);
    counts.set(e.topic, (counts.get(e.topic) ?? 0) + 1);
    const batch = batches.get(e.topic)!;
    batch.add({ partition, offset, timestamp: e.at, value: Buffer.from(JSON.stringify(e.value)) }, until);
    if (batch.rows >= 1_000_000) await flush(batch);
  }
  for (const batch of batches.values()) if (batch.rows > 0) await flush(batch);
  writer.close();
  const c = simulator.catalog;
  const lines: string[] = [];
  for (let p = 0; p < c.productCount; p++)
    lines.push(
      JSON.stringify({
        product_id: c.productId(p),
        name: `p${p}`,
        category: CATEGORIES[c.categoryOf(p)]!.name,
        price: c.price(p),
      }),
    );
  writeFileSync(productsFile, lines.join("\n"));
  console.log(
    `seeded ${lakeDir}: ${[...counts].map(([t, n]) => `${t} ${n}`).join(", ")} in ${((performance.now() - started) / 1000).toFixed(0)} s`,
  );
}

let source: ObjectStore = store;
if (values.s3 !== undefined) {
  const servers = localServers();
  const s3 = new S3Store("lakehouse", values.s3, { ...servers.s3 }, logger);
  const existing = new Set((await s3.list("bronze/")).map((o) => o.key));
  const keys = (await store.list("bronze/")).map((o) => o.key).filter((k) => !existing.has(k));
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < keys.length) {
        const key = keys[next++]!;
        await s3.putFile(key, store.localPath(key));
      }
    }),
  );
  console.log(
    `copied ${keys.length} files to s3://lakehouse/${values.s3} in ${((performance.now() - started) / 1000).toFixed(0)} s`,
  );
  source = s3;
}

const cacheDir = mkdtempSync(join(tmpdir(), "bench-batch-cache-"));
const run = () =>
  runBatch({
    store: source,
    date: lastDay,
    productsFile,
    cacheDir,
    workDir: mkdtempSync(join(tmpdir(), "bench-batch-work-")),
    logger,
    duckdb: { memoryLimit: values["memory-limit"], threads: Number(values.threads) },
  });
if (values.s3 !== undefined) {
  // A first run fills the cache; the figures below are the second, incremental one.
  const first = await run();
  console.log(
    `first sync from MinIO: ${first.sync.downloaded} files, ${(first.sync.bytes / 1e6).toFixed(0)} MB in ${(first.sync.ms / 1000).toFixed(1)} s`,
  );
}
const result = await run();
console.log(
  `snapshot ${lastDay} over ${days} days; DuckDB memory_limit ${values["memory-limit"]}, ${values.threads} threads`,
);
console.log(
  `sync: ${result.sync.files} files, ${result.sync.downloaded} downloaded, in ${result.sync.ms} ms${values.s3 === undefined ? " (read in place)" : ""}`,
);
const modelsMs = result.models.reduce((sum, m) => sum + m.ms, 0);
const testsMs = result.models.reduce((sum, m) => sum + m.testMs, 0);
console.log(
  `silver + gold: ${(modelsMs / 1000).toFixed(1)} s; data tests: ${(testsMs / 1000).toFixed(1)} s; together ${(result.buildMs / 1000).toFixed(1)} s`,
);
for (const m of result.models)
  console.log(
    `  ${m.model.padEnd(26)} ${String(m.rows).padStart(10)} rows ${String(m.ms).padStart(7)} ms, tests ${String(m.testMs).padStart(6)} ms`,
  );
console.log(`snapshot Parquet written: ${result.written.length} files in ${result.publishMs} ms`);
console.log(`peak RSS: ${peakRssMb()} MB`);

// The floor, after the run so its peak RSS above is the batch's alone.
const floorDb = await DuckDBInstance.create(":memory:", {
  threads: values.threads,
  memory_limit: values["memory-limit"],
});
const conn = await floorDb.connect();
const paths = new Map<string, string[]>();
for (const table of EVENT_TOPICS)
  paths.set(table, (await syncBronze(source, table, lastDay, cacheDir, conn, logger)).paths);
await createBronzeViews(conn, paths);
const timed = async (sql: string) => {
  const started = performance.now();
  for (const table of EVENT_TOPICS)
    await conn.runAndReadAll(sql.replaceAll("$table", table).replaceAll("$id", ID_FIELD[table]));
  return ((performance.now() - started) / 1000).toFixed(1);
};
const scan = await timed("SELECT sum(hash(COLUMNS(*))) FROM bronze_$table");
const ids = await timed("SELECT count(DISTINCT $id) FROM bronze_$table");
console.log(
  `DuckDB alone, same files and budget: every column read once ${scan} s; distinct event ids ${ids} s`,
);
conn.closeSync();
floorDb.closeSync();
