/**
 * The batch stage on a local-directory lake written by the sink's own writer (no server): a
 * seeded three days of GlobalMart traffic plus hand-built customers. RFM, daily sales, cohorts and the
 * daily funnel are checked against values computed independently here, in plain TypeScript.
 */
import { randomUUID } from "node:crypto";
import { appendFileSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../core/logger.ts";
import { FileStore } from "../lake/store/file-store.ts";
import { seededDataset, type Dataset } from "../stream/testing/harness.ts";
import { publishGold } from "../warehouse/publish-gold.ts";
import { runBatch } from "./run.ts";
import { seedLake } from "./testing/seed-lake.ts";
import { cents, day, expectedRfm, type Tx } from "./testing/expected.ts";

const logger = createLogger({ level: process.env.TEST_LOG_LEVEL ?? "warn" });
const SNAPSHOT = "2026-11-03";

describe("batch run on a local lake", { timeout: 120_000 }, () => {
  let ds: Dataset;
  let lakeDir: string;
  let store: FileStore;
  const champion = randomUUID();
  const sleeper = randomUUID();
  const october = [randomUUID(), randomUUID(), randomUUID()];
  let txs: Tx[];
  let categoryOf: Map<string, string>;

  beforeAll(async () => {
    ds = await seededDataset(mkdtempSync(join(tmpdir(), "batch-events-")), {
      seed: 31,
      users: 1500,
      products: 400,
      days: 3,
      transactionsPerDay: 1500,
      until: "2026-11-04T00:00:00Z",
    });
    const product = JSON.parse(readFileSync(ds.productsFile, "utf8").split("\n")[0]!) as {
      product_id: string;
      price: number;
    };
    // Hand-built customers whose segment is obvious: twelve large orders on the last days,
    // and one small order on the first day.
    const order = (user: string, at: string, quantity: number): Tx => ({
      transaction_id: randomUUID(),
      user_id: user,
      timestamp: at,
      total_amount: Math.round(product.price * quantity * 100) / 100,
      country: "Germany",
      products: [{ product_id: product.product_id, quantity, price: product.price }],
    });
    const extra = [
      ...Array.from({ length: 12 }, (_, i) => order(champion, `2026-11-03T${12 + i}:30:00.000Z`, 5)),
      order(sleeper, "2026-11-01T00:30:00.000Z", 1),
      // An October cohort of three, two of whom come back in November.
      ...october.map((u) => order(u, "2026-10-15T12:00:00.000Z", 1)),
      ...october.slice(0, 2).map((u) => order(u, "2026-11-02T12:00:00.000Z", 2)),
    ];
    appendFileSync(
      ds.eventsFile,
      extra
        .map(
          (t) =>
            `${JSON.stringify({ topic: "transactions", key: t.user_id, value: { ...t, session_id: null, payment_method: "paypal" } })}\n`,
        )
        .join(""),
    );
    const lines = readFileSync(ds.eventsFile, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { topic: string; value: Tx });
    txs = lines
      .filter((l) => l.topic === "transactions")
      .map((l) => l.value)
      .filter((t) => day(t.timestamp) <= SNAPSHOT);
    categoryOf = new Map(
      readFileSync(ds.productsFile, "utf8")
        .trim()
        .split("\n")
        .map((l) => {
          const p = JSON.parse(l) as { product_id: string; category: string };
          return [p.product_id, p.category];
        }),
    );
    lakeDir = mkdtempSync(join(tmpdir(), "batch-lake-"));
    store = new FileStore(lakeDir);
    await seedLake(store, ds.eventsFile);
  }, 120_000);

  const run = (date = SNAPSHOT) =>
    runBatch({
      store,
      date,
      productsFile: ds.productsFile,
      cacheDir: mkdtempSync(join(tmpdir(), "batch-cache-")),
      workDir: mkdtempSync(join(tmpdir(), "batch-work-")),
      logger,
    });

  const read = async (key: string, orderBy: string) => {
    const db = await DuckDBInstance.create(":memory:");
    const conn = await db.connect();
    try {
      const r = await conn.runAndReadAll(`SELECT * FROM '${join(lakeDir, key)}' ORDER BY ${orderBy}`);
      // Every value as text (numbers and dates as DuckDB prints them), for exact comparisons.
      return r
        .getRowObjectsJson()
        .map((row) =>
          Object.fromEntries(
            Object.entries(row).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]),
          ),
        );
    } finally {
      conn.closeSync();
      db.closeSync();
    }
  };

  it("computes RFM, daily sales, the funnel and cohorts as an independent computation does", async () => {
    const result = await run();
    expect(result.models.every((m) => m.tests.every((t) => t.failures === 0))).toBe(true);
    expect(result.written).toContain(`gold/rfm_customers/snapshot=${SNAPSHOT}/part-0.parquet`);

    const rfm = await read(`gold/rfm_customers/snapshot=${SNAPSHOT}/part-0.parquet`, "user_id");
    const got = new Map(
      rfm.map((r) => [
        String(r.user_id),
        `${String(r.recency_days)}|${String(r.frequency)}|${cents(Number(r.monetary))}|${String(r.r_score)}|${String(r.f_score)}|${String(r.m_score)}|${String(r.segment)}`,
      ]),
    );
    const want = expectedRfm(txs, SNAPSHOT);
    expect(got.size).toBe(want.size);
    for (const [user, line] of want) expect(got.get(user), user).toBe(line);
    expect(got.get(champion)).toMatch(/\|Champions$/);
    expect(got.get(sleeper)).toMatch(/\|Hibernating$/);
    expect(new Set(rfm.map((r) => r.segment)).size).toBeGreaterThanOrEqual(6);

    const sales = await read(
      `gold/daily_sales/snapshot=${SNAPSHOT}/part-0.parquet`,
      "date, category, country",
    );
    const expected = new Map<string, { revenue: number; orders: Set<string>; units: number }>();
    for (const t of txs)
      for (const item of t.products) {
        const k = `${day(t.timestamp)}|${categoryOf.get(item.product_id) ?? "unknown"}|${t.country}`;
        const e = expected.get(k) ?? { revenue: 0, orders: new Set<string>(), units: 0 };
        e.revenue += cents(item.price) * item.quantity;
        e.orders.add(t.transaction_id);
        e.units += item.quantity;
        expected.set(k, e);
      }
    expect(
      sales
        .map(
          (s) =>
            `${String(s.date)}|${String(s.category)}|${String(s.country)}|${cents(Number(s.revenue))}|${String(s.orders)}|${String(s.units)}`,
        )
        .sort(),
    ).toEqual([...expected].map(([k, e]) => `${k}|${e.revenue}|${e.orders.size}|${e.units}`).sort());

    const funnel = await read(`gold/funnel_daily/snapshot=${SNAPSHOT}/part-0.parquet`, "date");
    const lines = readFileSync(ds.eventsFile, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { topic: string; value: { timestamp: string; action?: string } });
    const count = (d: string, pred: (l: (typeof lines)[number]) => boolean) =>
      lines.filter((l) => day(l.value.timestamp) === d && pred(l)).length;
    for (const f of funnel) {
      const d = String(f.date);
      expect(Number(f.views), d).toBe(count(d, (l) => l.topic === "product_views"));
      expect(Number(f.cart_adds), d).toBe(
        count(d, (l) => l.topic === "cart_events" && l.value.action === "add"),
      );
      expect(Number(f.purchases), d).toBe(count(d, (l) => l.topic === "transactions"));
    }
    expect(funnel.map((f) => String(f.date))).toEqual([
      "2026-10-15",
      "2026-11-01",
      "2026-11-02",
      "2026-11-03",
    ]);

    // Cohorts: month of first purchase -> customers active in each month since.
    const first = new Map<string, string>();
    const active = new Set<string>();
    for (const t of [...txs].sort((a, b) => (a.timestamp < b.timestamp ? -1 : 1))) {
      const month = t.timestamp.slice(0, 7);
      if (!first.has(t.user_id)) first.set(t.user_id, month);
      active.add(`${first.get(t.user_id)}|${month}|${t.user_id}`);
    }
    const size = new Map<string, number>();
    for (const m of first.values()) size.set(m, (size.get(m) ?? 0) + 1);
    const cohorts = new Map<string, number>();
    for (const a of active) {
      const [cohort, month] = a.split("|");
      const since =
        (Number(month!.slice(0, 4)) - Number(cohort!.slice(0, 4))) * 12 +
        Number(month!.slice(5)) -
        Number(cohort!.slice(5));
      const k = `${cohort}-01|${since}|${size.get(cohort!)}`;
      cohorts.set(k, (cohorts.get(k) ?? 0) + 1);
    }
    const gotCohorts = await read(
      `gold/cohort_retention/snapshot=${SNAPSHOT}/part-0.parquet`,
      "cohort_month, months_since_first",
    );
    expect(
      gotCohorts
        .map((c) => `${c.cohort_month}|${c.months_since_first}|${c.cohort_size}|${c.active_customers}`)
        .sort(),
    ).toEqual([...cohorts].map(([k, n]) => `${k}|${n}`).sort());
    expect(cohorts.get("2026-10-01|1|3")).toBe(2);
  });

  it("gives identical snapshots when a date is run again", async () => {
    const key = `gold/rfm_customers/snapshot=${SNAPSHOT}/part-0.parquet`;
    const first = await read(key, "user_id");
    await run();
    expect(await read(key, "user_id")).toEqual(first);
  });

  it("fails on a broken data test and leaves the previous snapshot in place", async () => {
    const key = `gold/daily_sales/snapshot=${SNAPSHOT}/part-0.parquet`;
    const before = readFileSync(join(lakeDir, key));
    // A transaction whose items do not add up to its total reaches bronze (the sink types, it
    // does not judge); silver's reconciliation test must stop the run.
    const bad = join(mkdtempSync(join(tmpdir(), "batch-bad-")), "events.ndjson");
    const t = txs[0]!;
    appendFileSync(
      bad,
      `${JSON.stringify({ topic: "transactions", key: t.user_id, value: { ...t, transaction_id: randomUUID(), total_amount: t.total_amount + 100, session_id: null, payment_method: "paypal" } })}\n`,
    );
    await seedLake(store, bad, 6, 1_000_000);
    await expect(run()).rejects.toMatchObject({
      code: "DATA_TEST_FAILED",
      message: expect.stringMatching(/silver_transaction_items__reconciles_with_transactions/),
    });
    expect(readFileSync(join(lakeDir, key)).equals(before)).toBe(true);
  });

  it("serves gold from a DuckDB file when there is no MongoDB, replaced whole on each publish", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "batch-wh-")), "gold.duckdb");
    const clean = new FileStore(mkdtempSync(join(tmpdir(), "batch-lake2-")));
    await seedLake(clean, ds.eventsFile);
    const publish = (job?: string, runId = "r1") =>
      runBatch({
        store: clean,
        date: SNAPSHOT,
        ...(job ? { job } : {}),
        productsFile: ds.productsFile,
        cacheDir: mkdtempSync(join(tmpdir(), "batch-cache-")),
        workDir: mkdtempSync(join(tmpdir(), "batch-work-")),
        logger,
        publish: (b) => publishGold(b.conn, b.models, SNAPSHOT, { duckdbPath: path, runId }, logger),
      });
    const tables = async () => {
      const db = await DuckDBInstance.create(path, { access_mode: "READ_ONLY" });
      const conn = await db.connect();
      try {
        const r = await conn.runAndReadAll(
          "SELECT table_name, estimated_size FROM duckdb_tables() ORDER BY table_name",
        );
        const n = await conn.runAndReadAll("SELECT count(*) FROM rfm_customers");
        const p = await conn.runAndReadAll(
          "SELECT table_name, run_id, rows FROM warehouse_tables ORDER BY table_name",
        );
        return {
          names: r.getRowsJS().map((x) => x[0] as string),
          rfm: Number(n.getRowsJS()[0]![0]),
          pointers: (p.getRowsJS() as [string, string, bigint][]).map(
            ([t, run, rows]) => `${t}:${run}:${rows}`,
          ),
        };
      } finally {
        conn.closeSync();
        db.closeSync();
      }
    };
    const first = await publish();
    expect(first.published).toHaveLength(7);
    const all = await tables();
    expect(all.names).toEqual([
      "cohort_retention",
      "customer_360",
      "daily_sales",
      "funnel_daily",
      "product_performance",
      "rfm_customers",
      "rfm_segments",
      "warehouse_tables",
    ]);
    expect(all.rfm).toBe(first.models.find((m) => m.model === "rfm_customers")!.rows);
    expect(all.pointers).toHaveLength(7);
    expect(all.pointers.every((p) => p.split(":")[1] === "r1")).toBe(true);
    expect(all.pointers).toContain(`rfm_customers:r1:${all.rfm}`);
    // One job: its table is replaced, the others are carried over with their pointers.
    await publish("funnel_daily", "r2");
    const after = await tables();
    expect(after.names).toEqual(all.names);
    expect(after.pointers).toEqual(
      all.pointers.map((p) => (p.startsWith("funnel_daily:") ? p.replace(":r1:", ":r2:") : p)),
    );
  });
});
