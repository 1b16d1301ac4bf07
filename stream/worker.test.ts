/**
 * The stream worker with no server at all: the in-process log and PGlite, the adapters of the
 * embedded default. The same seeded day must give exactly the tables of the independent DuckDB
 * recomputation, with one worker and with two workers rebalancing mid-run.
 */
import { randomUUID } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { migrate } from "../core/db/migrate.ts";
import { openPglite } from "../core/db/pglite-sql.ts";
import type { Sql } from "../core/db/sql.ts";
import { MemoryLog } from "../core/eventlog/memory-log.ts";
import { partitionFor } from "../core/eventlog/partitioner.ts";
import type { LogConsumer } from "../core/eventlog/port.ts";
import { createLogger } from "../core/logger.ts";
import { DEFAULT_SESSION_RULES } from "./operators/sessions/rules.ts";
import { ProductCache } from "./postgres/products.ts";
import { takeShard } from "./postgres/shard-store.ts";
import { recompute, sorted, streamTables, tableDiff, type Tables } from "./testing/golden.ts";
import {
  caughtUp,
  endOffsets,
  expectedHostileOutcome,
  hostileEnds,
  hostileOutcome,
  loadProductsFile,
  seededDataset,
  waitFor,
  type Dataset,
} from "./testing/harness.ts";
import { hostileCorpus } from "../ingest/testing/hostile.ts";
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

  const worker = async (
    sql: Sql,
    log: MemoryLog,
    owner: string,
    retryDelaysMs: readonly number[] = [1000, 2000, 4000],
  ) => {
    const w = new StreamWorker(
      sql,
      await ProductCache.load(sql),
      log,
      {
        ...DEFAULT_STREAM_OPTIONS,
        owner,
        sessions: DEFAULT_SESSION_RULES,
        idleMs: 300,
        batchSize: 700,
        retryDelaysMs,
      },
      logger,
    );
    const consumer: LogConsumer = await log.join(DEFAULT_STREAM_OPTIONS.group, w.topics, w.handlers);
    const stop = new AbortController();
    const running = w.run(consumer, stop.signal);
    return {
      w,
      consumer,
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
    const ends = endOffsets(ds.lines);
    await waitFor("the worker", () => caughtUp(sql, DEFAULT_STREAM_OPTIONS.group, ends), 100_000);
    await run.stop();
    const got = await tables(sql);
    expect(tableDiff(got, expected)).toEqual({});
    // Kafka is told the offsets committed in Postgres (advisory, at most once a second).
    const told = await run.consumer.committed(
      [...ends.keys()].map((k) => ({ topic: k.split("/")[0]!, partition: Number(k.split("/")[1]) })),
    );
    expect(new Map(told.map((t) => [`${t.topic}/${t.partition}`, t.offset]))).toEqual(ends);
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
    const twoThirds = endOffsets(ds.lines.slice(0, 2 * third));
    await waitFor(
      "both workers",
      () => caughtUp(sql, DEFAULT_STREAM_OPTIONS.group, twoThirds, false),
      100_000,
    );
    await a.stop();
    produce(log, ds.lines.slice(2 * third));
    const ends = endOffsets(ds.lines);
    await waitFor("worker b", () => caughtUp(sql, DEFAULT_STREAM_OPTIONS.group, ends), 100_000);
    await b.stop();
    expect(tableDiff(await tables(sql), expected)).toEqual({});
    await sql.close();
  });

  it("drops a shard another owner took, and still commits the shards it kept", async () => {
    const { sql, log } = await setup();
    const run = await worker(sql, log, "keeper");
    const partitions = log.partitionsOf("transactions").length;
    const thiefUser = randomUUID();
    let keptUser = randomUUID();
    while (partitionFor(keptUser, partitions) === partitionFor(thiefUser, partitions))
      keptUser = randomUUID();
    const stolen = partitionFor(thiefUser, partitions);
    await takeShard(sql, DEFAULT_STREAM_OPTIONS.group, stolen, "thief");
    const product = ds.catalog.productId(0);
    const price = ds.catalog.price(0);
    const lines = [thiefUser, keptUser, keptUser].map((user, i) =>
      JSON.stringify({
        topic: "transactions",
        key: user,
        value: {
          transaction_id: randomUUID(),
          user_id: user,
          session_id: null,
          timestamp: new Date(Date.parse("2026-11-10T10:00:00Z") + i * 1000).toISOString(),
          products: [{ product_id: product, quantity: 1, price }],
          total_amount: price,
          payment_method: "paypal",
          country: "UK",
        },
      }),
    );
    produce(log, lines);
    const kept = endOffsets(lines.slice(1));
    await waitFor("the kept shard", () => caughtUp(sql, DEFAULT_STREAM_OPTIONS.group, kept, false), 30_000);
    await waitFor(
      "the stolen shard to be dropped",
      async () => run.w.owned().every((tp) => tp.partition !== stolen),
      30_000,
    );
    await run.stop();
    const sales = await sql.query<{ n: number }>("SELECT sum(transactions)::int AS n FROM sales_metrics");
    expect(sales.rows[0]!.n).toBe(2);
    const offsets = await sql.query("SELECT 1 FROM stream_offsets WHERE kafka_partition = $1", [stolen]);
    expect(offsets.rows).toEqual([]);
    await sql.close();
  });

  it("sends a record that keeps failing to the DLQ after 3 retries, and the partitions move on", async () => {
    const { sql, log } = await setup();
    // A product whose sale Postgres refuses: a stand-in for any record that breaks a commit.
    const poison = randomUUID();
    await sql.query(
      "INSERT INTO products (product_id, name, category, price, inventory) VALUES ($1, 'x', 'poison', 1, 5)",
      [poison],
    );
    await sql.exec(`CREATE FUNCTION refuse_poison() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.category = 'poison' THEN RAISE EXCEPTION 'poisoned row'; END IF; RETURN NEW; END $$;
      CREATE TRIGGER refuse_poison BEFORE INSERT ON sales_metrics FOR EACH ROW EXECUTE FUNCTION refuse_poison();`);
    const user = randomUUID();
    const at = (s: number) => new Date(Date.parse("2026-11-10T10:00:00Z") + s * 1000).toISOString();
    const tx = (s: number, product: string, price: number) => ({
      transaction_id: randomUUID(),
      user_id: user,
      session_id: null,
      timestamp: at(s),
      products: [{ product_id: product, quantity: 1, price }],
      total_amount: price,
      payment_method: "paypal",
      country: "UK",
    });
    const good = ds.catalog.productId(0);
    const price = ds.catalog.price(0);
    // Another shopper on another partition, in the same polls: their shard's rows, committed
    // together with the poisoned shard's at first, must land exactly once.
    const partitions = log.partitionsOf("transactions").length;
    let other = randomUUID();
    while (partitionFor(other, partitions) === partitionFor(user, partitions)) other = randomUUID();
    const txs = [tx(0, good, price), tx(10, poison, 1), tx(20, good, price)];
    const others = [tx(5, good, price), tx(15, good, price)].map((t) => ({ ...t, user_id: other }));
    for (const t of [...txs, ...others])
      log.enqueue({ topic: "transactions", key: t.user_id, value: Buffer.from(JSON.stringify(t)) });

    const run = await worker(sql, log, "poison", [10, 20, 40]);
    const ends = endOffsets(
      [...txs, ...others].map((t) => JSON.stringify({ topic: "transactions", key: t.user_id, value: t })),
    );
    await waitFor("the worker", () => caughtUp(sql, DEFAULT_STREAM_OPTIONS.group, ends, false), 30_000);
    await run.stop();

    const dead = await sql.query<{ reason: string; record: string }>(
      "SELECT reason, record FROM stream_dead_letters",
    );
    expect(dead.rows).toHaveLength(1);
    expect(dead.rows[0]!.reason).toMatch(/after 3 retries: poisoned row/);
    expect(JSON.parse(dead.rows[0]!.record)).toMatchObject({
      retry_count: 3,
      event_id: txs[1]!.transaction_id,
    });
    const dlqTopic = log.partitionsOf("dlq.events").flat();
    expect(dlqTopic).toHaveLength(1);
    // The records around it are counted once each.
    const sales = await sql.query<{ n: number }>("SELECT sum(transactions)::int AS n FROM sales_metrics");
    expect(sales.rows[0]!.n).toBe(4);
    await sql.close();
  });

  it("sells a product added to the catalogue mid-run under its category from its first sale", async () => {
    const { sql, log } = await setup();
    const run = await worker(sql, log, "catalogue");
    // Added after the worker loaded the dimension, as a shop adds a product while the stream runs.
    const fresh = randomUUID();
    await sql.query(
      "INSERT INTO products (product_id, name, category, price, inventory) VALUES ($1, 'new', 'Brand New', 12.5, 9)",
      [fresh],
    );
    const user = randomUUID();
    const sale = (product: string) => ({
      transaction_id: randomUUID(),
      user_id: user,
      session_id: null,
      timestamp: "2026-11-10T10:00:00.000Z",
      products: [{ product_id: product, quantity: 2, price: 12.5 }],
      total_amount: 25,
      payment_method: "paypal",
      country: "UK",
    });
    const txs = [sale(fresh), sale(randomUUID())]; // the second names no product of the catalogue
    for (const t of txs)
      log.enqueue({ topic: "transactions", key: user, value: Buffer.from(JSON.stringify(t)) });
    const ends = endOffsets(txs.map((t) => JSON.stringify({ topic: "transactions", key: user, value: t })));
    await waitFor("the worker", () => caughtUp(sql, DEFAULT_STREAM_OPTIONS.group, ends, false), 30_000);
    await run.stop();
    const sales = await sql.query<{ category: string; revenue: string; units: number }>(
      "SELECT category, revenue::text AS revenue, units FROM sales_metrics ORDER BY category",
    );
    expect(sales.rows).toEqual([
      { category: "Brand New", revenue: "25.00", units: 2 },
      { category: "unknown", revenue: "25.00", units: 2 },
    ]);
    await sql.close();
  });

  it("takes the hostile corpus straight from the topics: each refused case a dead letter, the rest once", async () => {
    const { sql, log } = await setup();
    const corpus = hostileCorpus();
    const key = "9b2f4d52-5a43-4c3a-9a53-0a4f36a2f003";
    for (const c of corpus) log.enqueue({ topic: c.topic, key, value: c.bytes });
    const run = await worker(sql, log, "hostile");
    await waitFor(
      "the worker",
      () => caughtUp(sql, DEFAULT_STREAM_OPTIONS.group, hostileEnds(corpus, key), false),
      100_000,
    );
    await run.stop();
    const got = await hostileOutcome(sql);
    expect(got).toEqual(expectedHostileOutcome(corpus));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    await sql.close();
  });
});
