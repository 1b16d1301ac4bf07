/**
 * `npm start` (lakehouse demo) as a user runs it: a child process on a fresh DATA_DIR with no
 * KAFKA_BROKERS, DATABASE_URL or MONGO_URL. One run goes through undisturbed; another is
 * stopped with SIGINT mid-backfill and killed with SIGKILL mid-run, restarted each time. Both
 * must end in the same state, and the stages must agree with each other and with the
 * generator's own events: nothing lost, nothing counted twice. Needs no server.
 */
import { existsSync, mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { describe, expect, it } from "vitest";
import { openPglite } from "../../core/db/pglite-sql.ts";
import { MemoryLog } from "../../core/eventlog/memory-log.ts";
import { EVENT_TOPICS } from "../../core/events/topics.ts";
import { sqlString } from "../../core/sql-literal.ts";
import { generate } from "../../ingest/generate.ts";
import { FileOutput } from "../../ingest/outputs.ts";
import { sorted, streamTables, tableDiff } from "../../stream/testing/golden.ts";
import { backfillSimulator } from "./producer.ts";
import { DEMO_KEY as KEY, startDemo, stopDemo as stop, until, type Running } from "./testing/run-demo.ts";
import type { DemoState } from "./state.ts";

const FLAGS = ["--days", "1", "--per-day", "1500", "--users", "5000", "--products", "500", "--rate", "0"];
const DAY = 86_400_000;

const api = async (r: Running, path: string) => {
  const res = await fetch(`http://127.0.0.1:${r.port}${path}`, { headers: { "x-api-key": KEY } });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

const batchDone = async (r: Running) => {
  const runs = await api(r, "/v1/warehouse/batch-runs?status=succeeded");
  return runs.status === 200 && (runs.body.data as unknown[]).length > 0;
};

/** What a finished demo left: stream tables, bronze rows, gold tables, log records per topic. */
async function endState(dataDir: string) {
  const state = JSON.parse(readFileSync(join(dataDir, "demo", "state.json"), "utf8")) as DemoState;
  const { sql } = await openPglite(join(dataDir, "pglite"));
  const stream = sorted(await streamTables(sql, { sessionsEndBefore: state.params.until }));
  const day = new Date(state.params.until - DAY).toISOString();
  const revenue = await sql.query<{ cents: string }>(
    "SELECT (sum(revenue) * 100)::bigint::text AS cents FROM sales_metrics WHERE window_start >= $1 AND window_start < $2",
    [day, new Date(state.params.until).toISOString()],
  );
  await sql.close();
  const log = MemoryLog.persistent(join(dataDir, "demo", "log.journal"));
  const records = Object.fromEntries(
    EVENT_TOPICS.map((t) => [t, log.partitionsOf(t).reduce((n, p) => n + p.length, 0)]),
  );
  await log.close();
  const db = await DuckDBInstance.create(":memory:");
  const conn = await db.connect();
  const lake = join(dataDir, "lake");
  const one = async (q: string) => (await conn.runAndReadAll(q)).getRowsJS()[0]![0];
  const bronze: Record<string, number> = {};
  for (const t of EVENT_TOPICS)
    bronze[t] = Number(
      await one(
        `SELECT count(*) FROM read_parquet(${sqlString(`${lake}/bronze/${t}/**/*.parquet`)}, union_by_name = true)`,
      ),
    );
  await conn.run(`ATTACH ${sqlString(join(dataDir, "warehouse", "gold.duckdb"))} AS gold (READ_ONLY)`);
  const gold = (
    await conn.runAndReadAll("SELECT to_json(t)::VARCHAR FROM gold.daily_sales t ORDER BY ALL")
  ).getRowsJS();
  const goldCents = Number(await one("SELECT (sum(revenue) * 100)::BIGINT FROM gold.daily_sales"));
  conn.closeSync();
  db.closeSync();
  return { state, stream, streamCents: Number(revenue.rows[0]!.cents), records, bronze, gold, goldCents };
}

describe("npm start: the embedded pipeline", { timeout: 900_000 }, () => {
  it("ends a run interrupted by SIGINT and SIGKILL in the state of an undisturbed one, every stage agreeing", async () => {
    // The generator's own events, independently of every stage.
    const dir = mkdtempSync(join(tmpdir(), "demo-events-"));
    const out = new FileOutput(dir);
    const params = {
      seed: 42,
      days: 1,
      users: 5000,
      products: 500,
      perDay: 1500,
      until: Math.floor(Date.now() / DAY) * DAY,
    };
    await generate(backfillSimulator(params), out, { realtime: false });
    await out.close();
    const produced: Record<string, number> = Object.fromEntries(EVENT_TOPICS.map((t) => [t, 0]));
    let cents = 0;
    for (const line of readFileSync(join(dir, "events.ndjson"), "utf8").split("\n")) {
      if (!line) continue;
      const e = JSON.parse(line) as {
        topic: string;
        value: { products?: { price: number; quantity: number }[] };
      };
      produced[e.topic]! += 1;
      if (e.topic === "transactions")
        for (const item of e.value.products ?? []) cents += Math.round(item.price * 100) * item.quantity;
    }

    /** Every event processed by the stream (its own per-topic counts), the topics idle, the day built. */
    const settle = async (r: Running) => {
      await until("the stream to process every event", async () => {
        const ops = await api(
          r,
          `/v1/realtime/operations?from=${new Date(Date.now() - 3_600_000).toISOString()}&to=${new Date(Date.now() + 60_000).toISOString()}`,
        );
        const seen = Object.fromEntries(
          (ops.body.topics as { topic: string; events: number }[]).map((t) => [t.topic, t.events]),
        );
        return EVENT_TOPICS.every((t) => seen[t] === produced[t]);
      });
      await new Promise((resolve) => setTimeout(resolve, 40_000)); // past the idle timeout: watermarks settle
      await until("the batch", () => batchDone(r));
    };

    // Undisturbed.
    const quiet = mkdtempSync(join(tmpdir(), "demo-quiet-"));
    const a = await startDemo(quiet, FLAGS);
    await settle(a);
    expect(await stop(a, "SIGINT")).toBe(0);
    expect(a.output()).not.toMatch(/\n\s+at /); // no stack trace

    // Interrupted: SIGINT during the backfill, SIGKILL once the stream has written.
    const rough = mkdtempSync(join(tmpdir(), "demo-rough-"));
    const b1 = await startDemo(rough, FLAGS);
    const journal = join(rough, "demo", "log.journal");
    await until("the backfill to begin", () => existsSync(journal) && statSync(journal).size > 200_000);
    expect(await stop(b1, "SIGINT")).toBe(0);
    const b2 = await startDemo(rough, FLAGS);
    await until("the resumed stream to write", async () => {
      const f = await api(
        b2,
        `/v1/realtime/funnel?from=${new Date(params.until - DAY).toISOString()}&to=${new Date(params.until).toISOString()}`,
      );
      return f.status === 200 && (f.body.totals as { views: number }).views > 1000;
    });
    expect(await stop(b2, "SIGKILL")).toBeNull();
    const b3 = await startDemo(rough, FLAGS);
    await settle(b3);
    expect(await stop(b3, "SIGINT")).toBe(0);

    const want = await endState(quiet);
    const got = await endState(rough);
    expect(got.state.starts).toBe(3);
    expect(tableDiff(got.stream, want.stream)).toEqual({});
    expect(got.records).toEqual(want.records);
    expect(got.bronze).toEqual(want.bronze);
    expect(got.gold).toEqual(want.gold);

    expect(want.state.params).toEqual(params);
    expect(want.records).toEqual(produced); // the log holds every event once
    expect(want.bronze).toEqual(produced); // so does the lake
    expect(want.streamCents).toBe(cents); // stream revenue for the day, to the cent
    expect(want.goldCents).toBe(cents); // warehouse daily_sales, to the cent
  });
});
