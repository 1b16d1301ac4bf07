/**
 * The stream layer against the real local Kafka and Postgres. One seeded day (with planted
 * anomalies and their labels) goes through the worker in several ways: uninterrupted (checked
 * against an independent DuckDB recomputation and the labels), SIGKILLed at random moments,
 * split over two workers with rebalances, and with Postgres stopped mid-run. Each run has its
 * own topics (random prefix), consumer group and Postgres schema.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KafkaAdmin } from "../core/eventlog/kafka-admin.ts";
import { KafkaProducer } from "../core/eventlog/kafka-producer.ts";
import { kafkaClient } from "../core/eventlog/kafkajs-client.ts";
import { partitionFor } from "../core/eventlog/partitioner.ts";
import { localServers, requireServer } from "../core/local-servers.ts";
import { createLogger } from "../core/logger.ts";
import { loadReference } from "../ingest/reference/load.ts";
import { hostileCorpus } from "../ingest/testing/hostile.ts";
import { funnel } from "./operators/funnel/funnel.ts";
import { BatchOutput } from "./operators/output.ts";
import { commitBatch, takeShard } from "./postgres/shard-store.ts";
import { takeStateWrite } from "./operators/state-log.ts";
import { recompute, sorted, streamTables, tableDiff, type Tables } from "./testing/golden.ts";
import {
  caughtUp,
  createTopics,
  expectedHostileOutcome,
  hostileEnds,
  hostileOutcome,
  endOffsets,
  PARTITIONS,
  produceLines,
  seededDataset,
  startWorker,
  testSchema,
  waitFor,
  type Dataset,
  type TestSchema,
} from "./testing/harness.ts";

const up = (await requireServer("kafka")) && (await requireServer("postgres"));
const servers = localServers();
const brokers = servers.kafkaBrokers;
const logger = createLogger({ level: process.env.TEST_LOG_LEVEL ?? "warn" });
const ROOT = new URL("..", import.meta.url).pathname;
/** Names this run's topics, so it deletes them all at the end. */
const run = randomBytes(3).toString("hex");

describe.skipIf(!up)("stream layer on the real Kafka and Postgres", () => {
  let ds: Dataset;
  let expected: Tables;
  /** The tables of one uninterrupted run: what every disturbed run must end with. */
  let uninterrupted: Tables;
  let producer: KafkaProducer;
  const schemas: TestSchema[] = [];

  beforeAll(async () => {
    ds = await seededDataset(mkdtempSync(join(tmpdir(), "stream-events-")), {
      seed: 11,
      users: 2000,
      products: 600,
      days: 1,
      transactionsPerDay: 3000,
      until: "2026-11-02T00:00:00Z",
    });
    expected = sorted(
      await recompute(ds.eventsFile, ds.productsFile, { sessionsEndBefore: ds.closedBefore }),
    );
    producer = await KafkaProducer.connect({ brokers, logger });
  }, 120_000);

  afterAll(async () => {
    await producer?.close();
    for (const s of schemas) await s.drop().catch(() => {});
    const admin = await KafkaAdmin.connect(brokers, logger);
    await admin.deleteTopicsWithPrefix(`streamtest-${run}-`).finally(() => admin.close());
  });

  /** A schema with the reference data, topics with the dataset produced (or not), a group. */
  const fresh = async (produce = true) => {
    const id = randomBytes(4).toString("hex");
    const schema = await testSchema(servers.databaseUrl, logger);
    schemas.push(schema);
    await loadReference(schema.pool, ds.catalog);
    const prefix = `streamtest-${run}-${id}.`;
    await createTopics(brokers, prefix, logger);
    if (produce) await produceLines(producer, prefix, ds.lines);
    return { id, schema, prefix, group: `stream-${id}`, ends: endOffsets(ds.lines) };
  };

  const tablesOf = async (schema: TestSchema) =>
    sorted(await streamTables(schema.sql, { sessionsEndBefore: ds.closedBefore }));

  it(
    "computes every table exactly as an independent DuckDB recomputation, window by window",
    { timeout: 180_000 },
    async () => {
      const t = await fresh();
      const run = await startWorker({
        ...t,
        sql: t.schema.sql,
        brokers,
        owner: "golden",
        logger,
      });
      await waitFor(
        "the worker to process everything",
        () => caughtUp(t.schema.sql, t.group, t.ends),
        120_000,
      );
      await run.stop();

      uninterrupted = await tablesOf(t.schema);
      for (const table of Object.keys(expected))
        expect(expected[table]!.length, `${table} has rows`).toBeGreaterThan(0);
      expect(tableDiff(uninterrupted, expected)).toEqual({});

      // Anomalies against the planted ground truth, per (transaction, type).
      const labelled = new Set([...ds.labels].flatMap(([tx, types]) => types.map((type) => `${tx}|${type}`)));
      const found = new Set(uninterrupted.anomalies);
      const hits = [...found].filter((x) => labelled.has(x)).length;
      expect(labelled.size).toBeGreaterThan(20);
      expect(hits / found.size, "precision").toBeGreaterThanOrEqual(0.95);
      expect(hits / labelled.size, "recall").toBeGreaterThanOrEqual(0.95);

      // Operational metrics count every record once.
      const { rows } = await t.schema.sql.query<{ topic: string; events: string }>(
        "SELECT topic, sum(events) AS events FROM operational_metrics GROUP BY topic",
      );
      const produced = new Map<string, number>();
      for (const line of ds.lines) {
        const topic = (JSON.parse(line) as { topic: string }).topic;
        produced.set(topic, (produced.get(topic) ?? 0) + 1);
      }
      expect(new Map(rows.map((r) => [r.topic, Number(r.events)]))).toEqual(produced);
    },
  );

  it(
    "ends with the same tables after SIGKILLs at random moments (and right after a commit)",
    { timeout: 240_000 },
    async () => {
      expect(uninterrupted, "needs the uninterrupted run").toBeDefined();
      const t = await fresh();
      const output: string[] = [];
      const launch = (faults?: string): ChildProcess => {
        const child = spawn(
          process.execPath,
          [
            join(ROOT, "bin/lakehouse.mjs"),
            "stream",
            "run",
            "--group",
            t.group,
            "--topic-prefix",
            t.prefix,
            "--instance-id",
            `kill-${t.id}`,
            "--batch-size",
            "300",
            "--idle",
            "2s",
            "--metrics-port",
            "0",
            // State snapshots every few batches, so kills land around them too.
            "--snapshot-log-bytes",
            "20000",
          ],
          {
            env: {
              ...process.env,
              DATABASE_URL: t.schema.url,
              KAFKA_BROKERS: brokers.join(","),
              LOG_LEVEL: "info",
              ...(faults ? { LAKEHOUSE_FAULTS: faults } : {}),
            },
            stdio: ["ignore", "pipe", "pipe"],
          },
        );
        child.stdout.on("data", (b: Buffer) => output.push(b.toString()));
        child.stderr.on("data", (b: Buffer) => output.push(b.toString()));
        return child;
      };
      const exited = (child: ChildProcess) =>
        new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
          child.once("exit", (code, signal) => resolve({ code, signal })),
        );
      const tookShards = async () => {
        const start = output.length;
        await waitFor(
          "the worker to take its shards",
          async () => output.slice(start).join("").includes("took shard"),
          60_000,
        );
      };

      // Killed by its own fault point right after its third commit to Postgres.
      let child = launch("stream.after-commit:3");
      expect((await exited(child)).signal).toBe("SIGKILL");

      // Then five kills at random moments of the processing.
      for (let k = 0; k < 5; k++) {
        child = launch();
        const done = exited(child);
        await tookShards();
        await new Promise((r) => setTimeout(r, 100 + Math.random() * 1500));
        child.kill("SIGKILL");
        expect((await done).signal).toBe("SIGKILL");
      }
      const before = await t.schema.sql.query<{ n: string }>("SELECT count(*) AS n FROM stream_offsets");
      expect(Number(before.rows[0]!.n), "the killed runs made progress").toBeGreaterThan(0);

      child = launch();
      const done = exited(child);
      await waitFor("the last run to finish", () => caughtUp(t.schema.sql, t.group, t.ends), 120_000);
      child.kill("SIGTERM");
      expect((await done).code, output.join("").slice(-2000)).toBe(0);

      expect(tableDiff(await tablesOf(t.schema), uninterrupted)).toEqual({});
      const epochs = await t.schema.sql.query<{ epoch: string }>(
        "SELECT max(epoch) AS epoch FROM stream_shards",
      );
      expect(Number(epochs.rows[0]!.epoch), "each restart took the shards over").toBeGreaterThanOrEqual(7);
      const snapshots = await t.schema.sql.query<{ n: string }>(
        "SELECT count(*) AS n FROM stream_state_log WHERE group_id = $1 AND snapshot AND seq > 1",
        [t.group],
      );
      expect(Number(snapshots.rows[0]!.n), "state was snapshotted along the way").toBeGreaterThan(0);
    },
  );

  it(
    "gives the same tables with two workers and rebalances in the middle of the run",
    { timeout: 180_000 },
    async () => {
      expect(uninterrupted, "needs the uninterrupted run").toBeDefined();
      const t = await fresh(false);
      const cut1 = Math.floor(ds.lines.length * 0.4);
      const cut2 = Math.floor(ds.lines.length * 0.7);
      const opts = { ...t, sql: t.schema.sql, brokers, logger, batchSize: 500 };

      const a = await startWorker({ ...opts, owner: "a" });
      await produceLines(producer, t.prefix, ds.lines.slice(0, cut1));
      const firstEnds = endOffsets(ds.lines.slice(0, cut1));
      await waitFor("worker a", () => caughtUp(t.schema.sql, t.group, firstEnds, false), 60_000);

      // A second worker joins: the shards are split between the two.
      const b = await startWorker({ ...opts, owner: "b" });
      const shardsOf = (w: typeof a) => new Set(w.worker.owned().map((p) => p.partition));
      // Each owned once: a revocation in progress briefly shows a shard on both.
      const split = async () => {
        const [sa, sb] = [shardsOf(a), shardsOf(b)];
        return (
          sa.size > 0 && sb.size > 0 && sa.size + sb.size === PARTITIONS && [...sa].every((x) => !sb.has(x))
        );
      };
      await waitFor("the shards split between the two", split, 60_000);
      await produceLines(producer, t.prefix, ds.lines.slice(cut1, cut2));
      const secondEnds = endOffsets(ds.lines.slice(0, cut2));
      await waitFor("both workers", () => caughtUp(t.schema.sql, t.group, secondEnds, false), 60_000);

      // The first one leaves: the other takes every shard and finishes.
      await a.stop();
      await produceLines(producer, t.prefix, ds.lines.slice(cut2));
      await waitFor("worker b", () => caughtUp(t.schema.sql, t.group, t.ends), 120_000);
      expect(shardsOf(b).size).toBe(PARTITIONS);
      await b.stop();

      expect(tableDiff(await tablesOf(t.schema), uninterrupted)).toEqual({});
    },
  );

  it("refuses a commit from a worker that lost its shard", async () => {
    const schema = await testSchema(servers.databaseUrl, logger);
    schemas.push(schema);
    const old = await takeShard(schema.sql, "fence", 0, "old-owner");
    const now = await takeShard(schema.sql, "fence", 0, "new-owner");
    expect(now.epoch).toBe(old.epoch + 1);
    const out = new BatchOutput();
    out.of(funnel).set(0, { views: 5, cartAdds: 0, purchases: 0 });
    const commit = (epoch: number, from: number, to: number) =>
      commitBatch(schema.sql, {
        group: "fence",
        shards: [
          {
            shard: 0,
            epoch,
            offsets: [{ topic: "product_views", partition: 0, from, to }],
            state: takeStateWrite(old.state, old.position),
          },
        ],
        output: out,
        ops: { minute: 0, lag: new Map() },
      });
    await expect(commit(old.epoch, -1, 10)).rejects.toMatchObject({ code: "FENCED" });
    await commit(now.epoch, -1, 10);
    // The right owner with a stale offset precondition is refused too.
    await expect(commit(now.epoch, 3, 12)).rejects.toMatchObject({ code: "FENCED" });
    // Shards committed together are refused together when one of them was lost, naming it.
    const other = await takeShard(schema.sql, "fence", 1, "new-owner");
    const joint = commitBatch(schema.sql, {
      group: "fence",
      shards: [
        {
          shard: 1,
          epoch: other.epoch,
          offsets: [{ topic: "product_views", partition: 1, from: -1, to: 5 }],
          state: undefined,
        },
        {
          shard: 0,
          epoch: old.epoch,
          offsets: [{ topic: "product_views", partition: 0, from: 10, to: 20 }],
          state: undefined,
        },
      ],
      output: out,
      ops: { minute: 0, lag: new Map() },
    });
    await expect(joint).rejects.toMatchObject({ code: "FENCED", context: { shard: 0 } });
    const { rows } = await schema.sql.query<{ views: string }>("SELECT views FROM funnel_metrics");
    expect(rows.map((r) => Number(r.views))).toEqual([5]);
    const offsets = await schema.sql.query("SELECT 1 FROM stream_offsets WHERE kafka_partition = 1");
    expect(offsets.rows).toEqual([]);
  });

  it(
    "sends late events aside, refuses far-future and malformed ones to the DLQ, counts duplicates once",
    { timeout: 120_000 },
    async () => {
      const t = await fresh(false);
      const user = randomUUID();
      const product = ds.catalog.productId(0);
      const price = ds.catalog.price(0);
      const base = Date.parse("2026-11-10T10:00:30.000Z");
      const tx = (at: number, extra: Record<string, unknown> = {}) => ({
        transaction_id: randomUUID(),
        user_id: user,
        session_id: null,
        timestamp: new Date(at).toISOString(),
        products: [{ product_id: product, quantity: 1, price }],
        total_amount: price,
        payment_method: "paypal",
        country: "UK",
        ...extra,
      });
      const first = tx(base);
      const records = [
        first,
        first, // the same event twice
        tx(base + 5 * 60_000), // moves the watermark to base + 3 min
        tx(base + 4 * 60_000), // out of order, but within the 2-minute lateness
        tx(base + 60_000), // behind the watermark: late
        tx(Date.now() + 86_400_000), // a day in the future
        tx(base, { total_amount: "12.00" }), // wrong type
      ];
      const raw = [...records.map((r) => JSON.stringify(r)), '{"transaction_id": "broken'];
      await producer.send(
        raw.map((v) => ({ topic: `${t.prefix}transactions`, key: user, value: Buffer.from(v) })),
      );
      const p = partitionFor(user, PARTITIONS);
      const ends = new Map([[`transactions/${p}`, raw.length]]);
      const run = await startWorker({
        ...t,
        sql: t.schema.sql,
        brokers,
        owner: "hostile",
        logger,
      });
      await waitFor("the worker", () => caughtUp(t.schema.sql, t.group, ends, false), 60_000);
      await run.stop();

      const q = async (text: string) => (await t.schema.sql.query<Record<string, unknown>>(text)).rows;
      const windows = await q(
        "SELECT to_char(window_start, 'HH24:MI') AS w, sum(transactions)::int AS n FROM sales_metrics GROUP BY 1 ORDER BY 1",
      );
      expect(windows).toEqual([
        { w: "10:00", n: 1 },
        { w: "10:04", n: 1 },
        { w: "10:05", n: 1 },
      ]);
      const late = await q(
        "SELECT to_char(event_time, 'HH24:MI') AS t, to_char(watermark, 'HH24:MI') AS wm FROM late_events",
      );
      expect(late).toEqual([{ t: "10:01", wm: "10:03" }]);
      const dead = await q("SELECT reason FROM stream_dead_letters ORDER BY kafka_offset");
      expect(dead.map((d) => d.reason)).toEqual([
        expect.stringMatching(/^timestamp: .* in the future/),
        expect.stringMatching(/^total_amount: /),
        expect.stringMatching(/not valid JSON/),
      ]);
      const ops = await q(
        "SELECT sum(events)::int AS events, sum(dlq)::int AS dlq, sum(late)::int AS late, sum(duplicates)::int AS duplicates FROM operational_metrics",
      );
      expect(ops).toEqual([{ events: 8, dlq: 3, late: 1, duplicates: 1 }]);
      // The DLQ copies are on the topic too, with the original bytes.
      const admin = kafkaClient(brokers, "stream-test", logger).admin();
      await admin.connect();
      const offsets = await admin.fetchTopicOffsets(`${t.prefix}dlq.events`);
      await admin.disconnect();
      expect(offsets.reduce((n, o) => n + Number(o.high), 0)).toBe(3);
    },
  );

  it(
    "loses nothing when Postgres goes away mid-run: waits, says what for, resumes",
    { timeout: 180_000 },
    async () => {
      expect(uninterrupted, "needs the uninterrupted run").toBeDefined();
      const t = await fresh(false);
      const lines: string[] = [];
      const captured = createLogger({
        level: "info",
        destination: new Writable({
          write(chunk: Buffer, _enc, done) {
            lines.push(chunk.toString());
            done();
          },
        }),
      });
      const half = Math.floor(ds.lines.length / 2);
      const run = await startWorker({
        ...t,
        sql: t.schema.sql,
        brokers,
        owner: "bounce",
        logger: captured,
      });
      await produceLines(producer, t.prefix, ds.lines.slice(0, half));
      const firstHalf = endOffsets(ds.lines.slice(0, half));
      await waitFor("the first half", () => caughtUp(t.schema.sql, t.group, firstHalf, false), 60_000);
      const bounce = spawn("bash", [join(ROOT, "services/services.sh"), "bounce-postgres", "4"], {
        stdio: "inherit",
      });
      await produceLines(producer, t.prefix, ds.lines.slice(half));
      const code = await new Promise<number | null>((resolve) => bounce.once("exit", resolve));
      expect(code).toBe(0);
      await waitFor("the rest", () => caughtUp(t.schema.sql, t.group, t.ends), 120_000);
      await run.stop();
      expect(lines.join("")).toMatch(/waiting for postgres/);
      expect(tableDiff(await tablesOf(t.schema), uninterrupted)).toEqual({});
    },
  );

  it(
    "takes the hostile corpus straight from the Kafka topics: each refused case a dead letter, the rest once",
    { timeout: 180_000 },
    async () => {
      const t = await fresh(false);
      const corpus = hostileCorpus();
      const key = randomUUID();
      for (let i = 0; i < corpus.length; i += 500)
        await producer.send(
          corpus.slice(i, i + 500).map((c) => ({ topic: t.prefix + c.topic, key, value: c.bytes })),
        );
      const run = await startWorker({ ...t, sql: t.schema.sql, brokers, owner: "hostile", logger });
      await waitFor(
        "the worker",
        () => caughtUp(t.schema.sql, t.group, hostileEnds(corpus, key), false),
        120_000,
      );
      await run.stop();
      const expected = expectedHostileOutcome(corpus);
      expect(await hostileOutcome(t.schema.sql)).toEqual(expected);
      // Each dead letter's copy is on the topic too (at least once).
      const admin = kafkaClient(brokers, "stream-test", logger).admin();
      await admin.connect();
      const offsets = await admin.fetchTopicOffsets(`${t.prefix}dlq.events`);
      await admin.disconnect();
      expect(offsets.reduce((n, o) => n + Number(o.high), 0)).toBeGreaterThanOrEqual(expected.ops.dlq);
    },
  );

  it("gives up after its bounded restarts and exits 1 with the reason", { timeout: 60_000 }, async () => {
    const schema = await testSchema(servers.databaseUrl, logger);
    schemas.push(schema);
    // A database whose migration history disagrees with the code: no restart can fix that.
    await schema.sql.query("UPDATE schema_migrations SET checksum = 'edited' WHERE version = 2");
    const child = spawn(
      process.execPath,
      [join(ROOT, "bin/lakehouse.mjs"), "stream", "run", "--max-restarts", "2", "--metrics-port", "0"],
      {
        env: { ...process.env, DATABASE_URL: schema.url, KAFKA_BROKERS: brokers.join(",") },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let output = "";
    child.stdout.on("data", (b: Buffer) => (output += b.toString()));
    child.stderr.on("data", (b: Buffer) => (output += b.toString()));
    const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
    expect(code).toBe(1);
    expect(output.match(/restart \d of 2/g)).toEqual(["restart 1 of 2", "restart 2 of 2"]);
    expect(output).toMatch(
      /gives up after 2 restarts: migration 002_stream.sql changed after it was applied/,
    );
  });
});
