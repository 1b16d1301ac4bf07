/**
 * The stream worker with no server at all: the in-process log and PGlite, the adapters of the
 * embedded default. The same seeded day must give exactly the tables of the independent DuckDB
 * recomputation, with one worker and with two workers rebalancing mid-run.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { migrate } from "../core/db/migrate.ts";
import { openPglite } from "../core/db/pglite-sql.ts";
import type { Sql } from "../core/db/sql.ts";
import { MemoryLog } from "../core/eventlog/memory-log.ts";
import type { LogConsumer } from "../core/eventlog/port.ts";
import { createLogger } from "../core/logger.ts";
import { DEFAULT_SESSION_RULES } from "./operators/sessions.ts";
import { ProductCache } from "./postgres/products.ts";
import { recompute, sorted, streamTables, tableDiff, type Tables } from "./testing/golden.ts";
import {
  caughtUp,
  endOffsets,
  loadProductsFile,
  seededDataset,
  waitFor,
  type Dataset,
} from "./testing/harness.ts";
import { DEFAULT_STREAM_OPTIONS, StreamWorker } from "./worker.ts";

const logger = createLogger({ level: process.env.TEST_LOG_LEVEL ?? "warn" });

describe("stream worker on the in-process log and PGlite", { timeout: 120_000 }, () => {
  let ds: Dataset;
  let expected: Tables;

  beforeAll(async () => {
    ds = await seededDataset(mkdtempSync(join(tmpdir(), "worker-events-")), {
      seed: 21,
      users: 800,
      products: 300,
      days: 1,
      transactionsPerDay: 1200,
      until: "2026-11-02T00:00:00Z",
    });
    expected = sorted(
      await recompute(ds.eventsFile, ds.productsFile, { sessionsEndBefore: ds.closedBefore }),
    );
  }, 120_000);

  const setup = async () => {
    const { sql } = await openPglite();
    await migrate(sql, logger);
    await loadProductsFile(sql, ds.productsFile);
    const log = new MemoryLog();
    return { sql, log };
  };

  const worker = async (sql: Sql, log: MemoryLog, owner: string) => {
    const w = new StreamWorker(
      sql,
      await ProductCache.load(sql),
      log,
      { ...DEFAULT_STREAM_OPTIONS, owner, sessions: DEFAULT_SESSION_RULES, idleMs: 300, batchSize: 700 },
      logger,
    );
    const consumer: LogConsumer = await log.join(DEFAULT_STREAM_OPTIONS.group, w.topics, w.handlers);
    const stop = new AbortController();
    const running = w.run(consumer, stop.signal);
    return {
      w,
      stop: async () => {
        stop.abort();
        await running;
        await consumer.close();
      },
    };
  };

  const produce = (log: MemoryLog, lines: readonly string[]) => {
    for (const line of lines) {
      const e = JSON.parse(line) as { topic: string; key: string; value: unknown };
      log.enqueue({ topic: e.topic, key: e.key, value: Buffer.from(JSON.stringify(e.value)) });
    }
  };

  const tables = async (sql: Sql) => sorted(await streamTables(sql, { sessionsEndBefore: ds.closedBefore }));

  it("computes the same tables as the DuckDB recomputation", async () => {
    const { sql, log } = await setup();
    produce(log, ds.lines);
    const run = await worker(sql, log, "one");
    const ends = endOffsets("", ds.lines);
    await waitFor("the worker", () => caughtUp(sql, DEFAULT_STREAM_OPTIONS.group, ends), 100_000);
    await run.stop();
    const got = await tables(sql);
    expect(tableDiff(got, expected)).toEqual({});
    // The worker reports its consumer lag: large while it works through the backlog.
    const lag = await sql.query<{ lag: number }>(
      "SELECT max(consumer_lag)::int AS lag FROM operational_metrics WHERE topic = 'product_views'",
    );
    expect(lag.rows[0]!.lag).toBeGreaterThan(1000);
    await sql.close();
  });

  it("gives the same tables when a second worker joins and the first leaves mid-run", async () => {
    const { sql, log } = await setup();
    const third = Math.floor(ds.lines.length / 3);
    produce(log, ds.lines.slice(0, third));
    const a = await worker(sql, log, "a");
    const b = await worker(sql, log, "b");
    expect(a.w.owned().length).toBeGreaterThan(0);
    expect(b.w.owned().length).toBeGreaterThan(0);
    produce(log, ds.lines.slice(third, 2 * third));
    const twoThirds = endOffsets("", ds.lines.slice(0, 2 * third));
    await waitFor(
      "both workers",
      () => caughtUp(sql, DEFAULT_STREAM_OPTIONS.group, twoThirds, false),
      100_000,
    );
    await a.stop();
    produce(log, ds.lines.slice(2 * third));
    const ends = endOffsets("", ds.lines);
    await waitFor("worker b", () => caughtUp(sql, DEFAULT_STREAM_OPTIONS.group, ends), 100_000);
    await b.stop();
    expect(tableDiff(await tables(sql), expected)).toEqual({});
    await sql.close();
  });
});
