/**
 * The nightly batch against the real MinIO (the lake) and the MongoDB-wire server (FerretDB
 * here, MongoDB in compose): `lakehouse batch run` publishes every gold table; a rerun gives
 * identical collections; a failing data test publishes nothing and leaves the previous snapshot
 * served; a reader polling during a publish only ever sees a complete snapshot.
 */
import { spawn } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { appendFileSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MongoClient, type Db } from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { localServers, requireServer } from "../core/local-servers.ts";
import { createLogger } from "../core/logger.ts";
import { cents, day, expectedRfm, type Tx } from "../batch/testing/expected.ts";
import { seedLake } from "../batch/testing/seed-lake.ts";
import { S3Store } from "../lake/store/s3-store.ts";
import { seededDataset, type Dataset } from "../stream/testing/harness.ts";
import { currentCollection, POINTERS, publishTable } from "./publish.ts";
import { BATCH_RUNS, type BatchRunDoc } from "./runs.ts";
import { WAREHOUSE_TABLES } from "../batch/models.ts";

const up = (await requireServer("s3")) && (await requireServer("mongo"));
const servers = localServers();
const logger = createLogger({ level: process.env.TEST_LOG_LEVEL ?? "warn" });
const ROOT = new URL("..", import.meta.url).pathname;
const DATE = "2026-11-02";

describe.skipIf(!up)("batch publish to the warehouse (MinIO + MongoDB wire)", () => {
  const id = randomBytes(4).toString("hex");
  const dbName = `wh_${id}`;
  const client = new MongoClient(servers.mongoUrl, { serverSelectionTimeoutMS: 5000 });
  let db: Db;
  let ds: Dataset;
  let store: S3Store;
  const lakeUri = `s3://lakehouse/test-wh-${id}`;
  /** One DATA_DIR for every run: the bronze cache carries over, as on a real machine. */
  const dataDir = mkdtempSync(join(tmpdir(), "wh-data-"));

  beforeAll(async () => {
    await client.connect();
    db = client.db(dbName);
    ds = await seededDataset(mkdtempSync(join(tmpdir(), "wh-events-")), {
      seed: 41,
      users: 800,
      products: 300,
      days: 2,
      transactionsPerDay: 800,
      until: "2026-11-03T00:00:00Z",
    });
    store = new S3Store("lakehouse", `test-wh-${id}`, { ...servers.s3 }, logger);
    await seedLake(store, ds.eventsFile);
  }, 120_000);

  afterAll(async () => {
    await db?.dropDatabase().catch(() => {});
    await client.close();
    if (store) await store.delete((await store.list("")).map((o) => o.key));
    await store?.close();
  });

  const lakehouse = async (...args: string[]) => {
    const child = spawn(process.execPath, [join(ROOT, "bin/lakehouse.mjs"), ...args], {
      env: {
        ...process.env,
        LAKE_URI: lakeUri,
        S3_ENDPOINT: servers.s3.endpoint,
        S3_ACCESS_KEY_ID: servers.s3.accessKeyId,
        S3_SECRET_ACCESS_KEY: servers.s3.secretAccessKey,
        MONGO_URL: `${servers.mongoUrl.replace(/\/[^/]*$/, "")}/${dbName}`,
        DATA_DIR: dataDir,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (b: Buffer) => (output += b.toString()));
    child.stderr.on("data", (b: Buffer) => (output += b.toString()));
    const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
    return { code, output };
  };
  const batchRun = () => lakehouse("batch", "run", "--date", DATE, "--products", ds.productsFile);

  /** Every published table's current documents, sorted, without _id. */
  const snapshot = async () => {
    const out: Record<string, string[]> = {};
    for (const table of Object.keys(WAREHOUSE_TABLES)) {
      const pointer = await currentCollection(db, table);
      const docs = await db
        .collection(pointer!.collection)
        .find({}, { projection: { _id: 0 } })
        .toArray();
      out[table] = docs.map((d) => JSON.stringify(d)).sort();
    }
    return out;
  };

  it("publishes every gold table and records the run", { timeout: 120_000 }, async () => {
    const { code, output } = await batchRun();
    expect(code, output.slice(-2000)).toBe(0);
    const pointers = await db.collection(POINTERS).find().toArray();
    expect(pointers.map((p) => p._id).sort()).toEqual(Object.keys(WAREHOUSE_TABLES).sort());
    const rfm = await currentCollection(db, "rfm_customers");
    expect(rfm!.documents).toBeGreaterThan(100);
    expect(await db.collection(rfm!.collection).countDocuments({ segment: "Champions" })).toBeGreaterThan(0);
    // The published RFM equals the one computed independently from the events themselves.
    const txs = readFileSync(ds.eventsFile, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { topic: string; value: Tx })
      .filter((l) => l.topic === "transactions" && day(l.value.timestamp) <= DATE)
      .map((l) => l.value);
    const published = await db.collection(rfm!.collection).find().toArray();
    const got = new Map(
      published.map((d) => [
        String(d.user_id),
        [d.recency_days, d.frequency, cents(Number(d.monetary)), d.r_score, d.f_score, d.m_score, d.segment]
          .map((v) => String(v))
          .join("|"),
      ]),
    );
    expect(got).toEqual(expectedRfm(txs, DATE));
    const runs = await db.collection<BatchRunDoc>(BATCH_RUNS).find().toArray();
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ status: "succeeded", snapshot_date: DATE, job: "all" });
    expect(runs[0]!.row_counts!.rfm_customers).toBe(rfm!.documents);
    expect(runs[0]!.models!.every((m) => m.tests.every((t) => t.failures === 0))).toBe(true);
  });

  it("answers analyst SQL over bronze, silver and gold in the lake", { timeout: 60_000 }, async () => {
    const { code, output } = await lakehouse(
      "sql",
      "--format",
      "json",
      "-c",
      "SELECT (SELECT count(*) FROM gold.rfm_customers) AS rfm, (SELECT count(DISTINCT transaction_id) FROM bronze.transactions) AS bronze, (SELECT count(*) FROM silver.transactions) AS silver",
    );
    expect(code, output).toBe(0);
    const [row] = JSON.parse(output.slice(output.indexOf("["))) as {
      rfm: number;
      bronze: number;
      silver: number;
    }[];
    expect(row!.rfm).toBe((await currentCollection(db, "rfm_customers"))!.documents);
    expect(row!.bronze).toBeGreaterThan(0);
    expect(row!.silver).toBeGreaterThan(0);
  });

  it("gives identical collections when the date is run again", { timeout: 120_000 }, async () => {
    const before = await snapshot();
    const { code, output } = await batchRun();
    expect(code).toBe(0);
    // The bronze cache is up to date: nothing is downloaded again.
    expect(output).toMatch(/synced \d+ files \(0 new\)/);
    expect(await snapshot()).toEqual(before);
  });

  it(
    "publishes nothing when a data test fails, and the previous snapshot stays served",
    { timeout: 120_000 },
    async () => {
      const before = await snapshot();
      const pointersBefore = await db.collection(POINTERS).find().sort({ _id: 1 }).toArray();
      const bad = join(mkdtempSync(join(tmpdir(), "wh-bad-")), "events.ndjson");
      const tx = JSON.parse(
        readFileSync(ds.eventsFile, "utf8")
          .split("\n")
          .find((l) => l.includes('"topic":"transactions"'))!,
      ) as { key: string; value: Record<string, unknown> };
      appendFileSync(
        bad,
        `${JSON.stringify({ topic: "transactions", key: tx.key, value: { ...tx.value, transaction_id: randomUUID(), total_amount: 1e6 } })}\n`,
      );
      await seedLake(store, bad, 6, 1_000_000);
      const { code, output } = await batchRun();
      expect(code).not.toBe(0);
      expect(output).toMatch(/silver_transaction_items__reconciles_with_transactions/);
      expect(await db.collection(POINTERS).find().sort({ _id: 1 }).toArray()).toEqual(pointersBefore);
      expect(await snapshot()).toEqual(before);
      const failed = await db.collection<BatchRunDoc>(BATCH_RUNS).findOne({ status: "failed" });
      expect(failed!.error).toMatch(/data test failed/);
    },
  );

  it("lets a reader polling during a publish see only complete snapshots", { timeout: 120_000 }, async () => {
    const table = "rfm_segments";
    const spec = WAREHOUSE_TABLES[table]!;
    const docs = (n: number, tag: string) =>
      Array.from({ length: n }, (_, i) => ({ segment: `${tag}-${i}`, customers: i }));
    await publishTable(db, table, spec, { date: "2026-11-10", runId: "old" }, docs(300, "old"), logger);
    const seen = new Set<string>();
    let polling = true;
    const reader = (async () => {
      while (polling) {
        const pointer = await currentCollection(db, table);
        const rows = await db.collection(pointer!.collection).find().toArray();
        const tags = new Set(rows.map((r) => String(r.segment).split("-")[0]));
        seen.add(`${rows.length}:${[...tags].join(",")}`);
      }
    })();
    // Nightly publishes are hours apart; 50 ms still outlasts one read of the reader here (the
    // previous version is kept for readers that resolved the pointer just before a move).
    const pause = () => new Promise((r) => setTimeout(r, 50));
    for (let k = 0; k < 3; k++) {
      const next = { date: "2026-11-11", runId: `new${k}` };
      await publishTable(db, table, spec, next, docs(700, `new${k}`), logger);
      await pause();
      const back = { date: "2026-11-12", runId: `old${k}` };
      await publishTable(db, table, spec, back, docs(300, `old${k}`), logger);
      await pause();
    }
    polling = false;
    await reader;
    // Only whole snapshots: 300 documents of one run, or 700 of one run, never a mix.
    for (const s of seen) expect(s).toMatch(/^(300:old\d?|700:new\d)$/);
    expect(seen.size).toBeGreaterThan(1);
  });
});
