/**
 * The lake sink against the real local Kafka and MinIO: round trip, kills at random moments and
 * between upload and commit, a quiet partition, and compaction. Each test uses its own topics
 * (a random prefix), consumer group and lake prefix.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { appendFileSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";
import type { Admin } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KafkaAdmin } from "../../core/eventlog/kafka-admin.ts";
import { KafkaLogConsumer } from "../../core/eventlog/kafka-consumer.ts";
import { KafkaProducer } from "../../core/eventlog/kafka-producer.ts";
import { kafkaClient } from "../../core/eventlog/kafkajs-client.ts";
import { partitionFor } from "../../core/eventlog/partitioner.ts";
import type { LogRecord } from "../../core/eventlog/port.ts";
import { ALL_TOPICS, EVENT_TOPICS, ID_FIELD } from "../../core/events/topics.ts";
import { localServers, requireServer } from "../../core/local-servers.ts";
import { createLogger } from "../../core/logger.ts";
import { generate, simulatorFor } from "../../ingest/generate.ts";
import { hostileCorpus } from "../../ingest/testing/hostile.ts";
import { FileOutput } from "../../ingest/outputs.ts";
import { topicSpecs, DEFAULT_TOPIC_OPTIONS } from "../../ingest/topics.ts";
import { compactLake } from "../compact.ts";
import { fetchLive } from "../fetch.ts";
import { parseBronzeKey } from "../layout.ts";
import { S3Store } from "../store/s3-store.ts";
import { BronzeWriter } from "./bronze-writer.ts";
import { LakeSink } from "./sink.ts";
import type { RotationPolicy } from "./topic-batch.ts";

const up = (await requireServer("kafka")) && (await requireServer("s3"));
const servers = localServers();
const logger = createLogger({ level: process.env.TEST_LOG_LEVEL ?? "warn" });
const BUCKET = "lakehouse";
/** Names this run's topics, so it deletes them all at the end. */
const run = randomBytes(3).toString("hex");

interface Produced {
  topic: string;
  key: string;
  value: Buffer;
}

/** A seeded day of GlobalMart traffic plus hostile records, as it will be produced. */
async function generated(): Promise<Produced[]> {
  const dir = mkdtempSync(join(tmpdir(), "sink-events-"));
  const output = new FileOutput(dir);
  await generate(
    simulatorFor({
      seed: 5,
      users: 3000,
      products: 800,
      anomalyRate: 0.01,
      mode: {
        kind: "backfill",
        days: 1,
        until: Date.parse("2026-11-02T00:00:00Z"),
        transactionsPerDay: 3000,
      },
    }),
    output,
    { realtime: false },
  );
  await output.close();
  const events = readFileSync(join(dir, "events.ndjson"), "utf8")
    .trim()
    .split("\n")
    .map((line) => {
      const e = JSON.parse(line) as { topic: string; key: string; value: unknown };
      return { topic: e.topic, key: e.key, value: Buffer.from(JSON.stringify(e.value)) };
    });
  const when = "2026-11-01T12:00:00.000Z";
  const hostile: Produced[] = [
    { topic: "transactions", key: "u1", value: Buffer.from('{"transaction_id": "broken') },
    {
      topic: "product_views",
      key: "u2",
      value: Buffer.from(JSON.stringify({ event_id: "x", timestamp: 5 })),
    },
    {
      topic: "dlq.events",
      key: "u3",
      value: Buffer.from(
        JSON.stringify({
          original_topic: "refunds",
          event_id: null,
          error_reason: "amount: expected > 0",
          retry_count: 0,
          timestamp: when,
          payload: '{"amount": -1}',
          payload_encoding: "utf8",
        }),
      ),
    },
  ];
  return [...events, ...hostile];
}

interface LakeRow {
  [column: string]: unknown;
}

async function readLake(store: S3Store, conn: DuckDBConnection) {
  const cache = mkdtempSync(join(tmpdir(), "sink-read-"));
  const tables = new Map<string, LakeRow[]>();
  const files: string[] = [];
  for (const table of ALL_TOPICS) {
    const live = await fetchLive(store, `bronze/${table}/`, cache, conn);
    files.push(...live.map((f) => f.key));
    if (live.length === 0) {
      tables.set(table, []);
      continue;
    }
    const list = live.map((f) => `'${f.path}'`).join(", ");
    const reader = await conn.runAndReadAll(
      `SELECT * FROM read_parquet([${list}], hive_partitioning = false, union_by_name = true)
       ORDER BY kafka_topic, kafka_partition, kafka_offset`,
    );
    tables.set(table, reader.getRowObjectsJson());
  }
  return { tables, files };
}

/** The event as the lake holds it, back in its wire shape, for comparison with what was produced. */
function asEvent(row: LakeRow): Record<string, unknown> {
  const event: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) {
    if (k.startsWith("kafka_") || k === "ingested_at" || k === "payload_encoding") continue;
    event[k] = k === "timestamp" ? Date.parse(String(v).replace(" ", "T").replace(/\+00$/, "Z")) : v;
  }
  return event;
}

function wire(value: Buffer): Record<string, unknown> {
  const event = JSON.parse(value.toString()) as Record<string, unknown>;
  return { ...event, timestamp: Date.parse(String(event.timestamp)) };
}

describe.skipIf(!up)("lake sink on the real Kafka and MinIO", () => {
  const brokers = servers.kafkaBrokers;
  let events: Produced[];
  let producer: KafkaProducer;
  let admin: Admin;
  let db: DuckDBInstance;
  let conn: DuckDBConnection;

  beforeAll(async () => {
    events = await generated();
    producer = await KafkaProducer.connect({ brokers, logger });
    admin = kafkaClient(brokers, "sink-test", logger).admin();
    await admin.connect();
    db = await DuckDBInstance.create(":memory:");
    conn = await db.connect();
    await conn.run("SET TimeZone = 'UTC'");
  }, 120_000);

  /** Every test's lake prefix, emptied at the end like its topics. */
  const stores: S3Store[] = [];

  afterAll(async () => {
    await producer?.close();
    for (const store of stores) await store.delete((await store.list("")).map((o) => o.key));
    const cleanup = await KafkaAdmin.connect(brokers, logger);
    await cleanup.deleteTopicsWithPrefix(`sinktest-${run}-`).finally(() => cleanup.close());
    await admin?.disconnect();
    conn?.closeSync();
    db?.closeSync();
  });

  const fresh = async () => {
    const id = randomBytes(4).toString("hex");
    const prefix = `sinktest-${run}-${id}.`;
    const lakehouseAdmin = await KafkaAdmin.connect(brokers, logger, prefix);
    await lakehouseAdmin.createTopics(topicSpecs(DEFAULT_TOPIC_OPTIONS));
    await lakehouseAdmin.close();
    const store = new S3Store(BUCKET, `test-${id}`, { ...servers.s3 }, logger);
    stores.push(store);
    return { id, prefix, group: `sink-${id}`, store, lakeUri: `s3://${BUCKET}/test-${id}` };
  };

  const produce = async (prefix: string, items: readonly Produced[]) => {
    const records: LogRecord[] = items.map((e) => ({ topic: prefix + e.topic, key: e.key, value: e.value }));
    for (let i = 0; i < records.length; i += 5000) await producer.send(records.slice(i, i + 5000));
  };

  /** True once the group has committed every partition of every topic to its end. */
  const caughtUp = async (prefix: string, group: string) => {
    const topics = ALL_TOPICS.map((t) => prefix + t);
    const committed = await admin.fetchOffsets({ groupId: group, topics });
    for (const topic of topics) {
      const ends = await admin.fetchTopicOffsets(topic);
      const mine = committed.find((c) => c.topic === topic)!.partitions;
      for (const end of ends) {
        const at = mine.find((p) => p.partition === end.partition)?.offset ?? "-1";
        if (Number(end.high) > 0 && Number(at) !== Number(end.high)) return false;
      }
    }
    return true;
  };

  const waitFor = async (what: string, check: () => Promise<boolean>, timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  };

  /** Runs the sink in this process over the test's topics while `body` runs, then stops it. */
  const withSink = async (
    t: Awaited<ReturnType<typeof fresh>>,
    rotation: RotationPolicy,
    body: (consumer: KafkaLogConsumer) => Promise<void>,
  ) => {
    const writer = await BronzeWriter.open(mkdtempSync(join(tmpdir(), "sink-work-")));
    const sink = new LakeSink({
      group: t.group,
      store: t.store,
      writer,
      rotation,
      logger,
    });
    const consumer = await KafkaLogConsumer.connect({
      brokers,
      group: t.group,
      topicPrefix: t.prefix,
      topics: [...ALL_TOPICS],
      handlers: sink.handlers,
      logger,
    });
    const stop = new AbortController();
    const running = sink.run(consumer, stop.signal);
    try {
      await body(consumer);
    } finally {
      stop.abort();
      await running;
      await consumer.close();
      writer.close();
    }
  };

  /**
   * Every accepted event once, every hostile record as a DLQ row, nothing twice. `logs`: where
   * the sink processes' logs are, named in the failure with the events that are missing.
   */
  const expectExactlyOnce = async (store: S3Store, logs?: string) => {
    const { tables, files } = await readLake(store, conn);
    for (const topic of EVENT_TOPICS) {
      const want = events.filter((e) => e.topic === topic && !e.value.toString().includes("broken"));
      const good = want.filter(
        (e) => !(topic === "product_views" && e.value.toString().includes('"timestamp":5')),
      );
      const rows = tables.get(topic)!;
      const seen = new Set(rows.map((r) => String(r[ID_FIELD[topic]])));
      const missing = good
        .map((e) => ({ id: String(wire(e.value)[ID_FIELD[topic]]), partition: partitionFor(e.key, 6) }))
        .filter((e) => !seen.has(e.id));
      expect(
        rows.length,
        `${topic}: missing ${JSON.stringify(missing.slice(0, 5))}; DLQ rows from it: ${JSON.stringify(
          tables
            .get("dlq.events")!
            .filter((r) => r.kafka_topic === topic)
            .map((r) => [r.kafka_partition, r.kafka_offset, r.error_reason]),
        )}${logs ? `; sink logs in ${logs}` : ""}`,
      ).toBe(good.length);
      const id = ID_FIELD[topic];
      const byId = new Map(rows.map((r) => [String(r[id]), asEvent(r)]));
      expect(byId.size, `${topic} distinct ids`).toBe(good.length);
      for (const e of good) {
        const event = wire(e.value);
        expect(byId.get(String(event[id])), `${topic} ${String(event[id])}`).toEqual(event);
      }
    }
    const dlq = tables.get("dlq.events")!;
    expect(dlq.map((r) => r.original_topic).sort()).toEqual(["product_views", "refunds", "transactions"]);
    expect(dlq.find((r) => r.original_topic === "refunds")!.payload).toBe('{"amount": -1}');
    const positions = new Set<string>();
    for (const rows of tables.values())
      for (const r of rows)
        positions.add(`${String(r.kafka_topic)}/${String(r.kafka_partition)}/${String(r.kafka_offset)}`);
    const total = [...tables.values()].reduce((n, rows) => n + rows.length, 0);
    expect(positions.size, "no (topic, partition, offset) twice").toBe(total);
    return { tables, files };
  };

  it(
    "round trip: every produced event lands once, typed, in the hour of its event time",
    { timeout: 180_000 },
    async () => {
      const t = await fresh();
      await produce(t.prefix, events);
      await withSink(t, { maxRows: 4000, maxBytes: 64 << 20, maxDelayMs: 1000 }, async () => {
        await waitFor("the sink to catch up", () => caughtUp(t.prefix, t.group), 120_000);
      });
      const { files } = await expectExactlyOnce(t.store);
      // Files are named by their offsets and sit in the hour of their rows' event time.
      const cache = mkdtempSync(join(tmpdir(), "sink-hours-"));
      for (const key of files) {
        const file = parseBronzeKey(key)!;
        expect(file, key).toBeDefined();
        const path = join(cache, "f.parquet");
        await t.store.getFile(key, path);
        const check = await conn.runAndReadAll(
          `SELECT min(strftime(timestamp, '%Y-%m-%d/%H')), max(strftime(timestamp, '%Y-%m-%d/%H')),
                min(kafka_offset), max(kafka_offset), min(kafka_partition), max(kafka_partition)
         FROM read_parquet('${path}', hive_partitioning = false)`,
        );
        const [lo, hi, first, last, p1, p2] = check.getRows()[0]!.map(String);
        expect([lo, hi], key).toEqual([`${file.dt}/${file.hr}`, `${file.dt}/${file.hr}`]);
        expect([Number(first), Number(last), Number(p1), Number(p2)], key).toEqual([
          file.first,
          file.last,
          file.partition,
          file.partition,
        ]);
      }
      await t.store.close();
    },
  );

  it(
    "killed with SIGKILL at random moments and between upload and commit, still exactly once",
    { timeout: 300_000 },
    async () => {
      const t = await fresh();
      await produce(t.prefix, events);
      const removedLogs: string[] = [];
      const logs = mkdtempSync(join(tmpdir(), "sink-kill-logs-"));
      let runs = 0;
      const assigned = new Set<ChildProcess>();
      const start = (faults?: string): ChildProcess => {
        const child = spawn(
          process.execPath,
          [
            "bin/lakehouse.mjs",
            "sink",
            "run",
            "--group",
            t.group,
            "--topic-prefix",
            t.prefix,
            "--instance-id",
            `${t.group}-0`,
            "--max-rows",
            "1500",
            "--max-delay",
            "1s",
            "--metrics-port",
            "0",
          ],
          {
            env: {
              ...process.env,
              KAFKA_BROKERS: brokers.join(","),
              LAKE_URI: t.lakeUri,
              S3_ENDPOINT: servers.s3.endpoint,
              S3_ACCESS_KEY_ID: servers.s3.accessKeyId,
              S3_SECRET_ACCESS_KEY: servers.s3.secretAccessKey,
              LAKEHOUSE_FAULTS: faults ?? "",
              LOG_LEVEL: "info",
            },
            stdio: ["ignore", "pipe", "pipe"],
          },
        );
        const log = join(logs, `run-${++runs}.log`);
        child.stderr.on("data", (chunk: Buffer) => appendFileSync(log, chunk));
        child.stdout.on("data", (chunk: Buffer) => {
          appendFileSync(log, chunk);
          for (const line of chunk.toString().split("\n"))
            if (line.includes("uncommitted write")) removedLogs.push(line);
            else if (line.includes('"msg":"assigned ')) assigned.add(child);
        });
        return child;
      };
      const exited = (child: ChildProcess) =>
        new Promise<number | null>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode);
          else child.once("exit", (code) => resolve(code));
        });
      // A run that kills itself right after uploading its second batch, before committing it.
      const faulty = start("sink.after-upload:2");
      await exited(faulty);
      expect(faulty.signalCode).toBe("SIGKILL");
      for (let kill = 0; kill < 5; kill++) {
        const child = start();
        await new Promise((r) => setTimeout(r, 2500 + Math.random() * 2500));
        child.kill("SIGKILL");
        await exited(child);
      }
      const last = start();
      // The earlier runs may have finished the work: SIGTERM only once this one is in the group.
      await waitFor("the last run's assignment", async () => assigned.has(last), 60_000);
      await waitFor("the sink to catch up", () => caughtUp(t.prefix, t.group), 180_000);
      last.kill("SIGTERM");
      expect(await exited(last)).toBe(0);
      expect(removedLogs.length, "a restart removed an uncommitted write").toBeGreaterThan(0);
      await expectExactlyOnce(t.store, logs);
      await t.store.close();
    },
  );

  it(
    "takes the hostile corpus straight from the Kafka topics: each record once, as a row or a DLQ row",
    { timeout: 120_000 },
    async () => {
      const t = await fresh();
      const corpus = hostileCorpus();
      // One key: each topic's cases sit in one partition, at offsets in corpus order.
      const key = randomBytes(8).toString("hex");
      await produce(
        t.prefix,
        corpus.map((c) => ({ topic: c.topic, key, value: c.bytes })),
      );
      await withSink(t, { maxRows: 500, maxBytes: 64 << 20, maxDelayMs: 500 }, async () => {
        await waitFor("the sink to catch up", () => caughtUp(t.prefix, t.group), 90_000);
      });
      const { tables } = await readLake(t.store, conn);
      const wrong: string[] = [];
      for (const topic of EVENT_TOPICS) {
        const cases = corpus.filter((c) => c.topic === topic);
        const typed = new Set(tables.get(topic)!.map((r) => Number(r.kafka_offset)));
        const dead = new Set(
          tables
            .get("dlq.events")!
            .filter((r) => r.kafka_topic === topic)
            .map((r) => Number(r.kafka_offset)),
        );
        cases.forEach((c, offset) => {
          const where = (typed.has(offset) ? 1 : 0) + (dead.has(offset) ? 1 : 0);
          if (where !== 1) wrong.push(`${c.name}: ${where} copies in the lake`);
          // Whatever the edge accepts, the lake types as a row (an oversized one is Kafka's to bound).
          else if (c.expect.accepted && !c.name.endsWith("oversized") && !typed.has(offset))
            wrong.push(`${c.name}: a DLQ row, not a typed row`);
        });
        expect(typed.size + dead.size, topic).toBe(cases.length);
      }
      expect(wrong).toEqual([]);
      await t.store.close();
    },
  );

  it(
    "a quiet partition's record reaches the lake within the maximum delay",
    { timeout: 60_000 },
    async () => {
      const t = await fresh();
      const maxDelayMs = 2000;
      await withSink(t, { maxRows: 1_000_000, maxBytes: 256 << 20, maxDelayMs }, async (consumer) => {
        await waitFor(
          "the assignment",
          async () => consumer.owned().length === ALL_TOPICS.length * 6,
          30_000,
        );
        const one = events.find((e) => e.topic === "refunds")!;
        await produce(t.prefix, [one]);
        const acked = Date.now();
        await waitFor(
          "the refund in the lake",
          async () => (await t.store.list("bronze/refunds/")).length > 0,
          15_000,
        );
        const took = Date.now() - acked;
        expect(took).toBeLessThan(maxDelayMs + 1500);
      });
      await t.store.close();
    },
  );

  it(
    "compaction leaves one file per closed hour and table with the rows unchanged, and is idempotent",
    { timeout: 180_000 },
    async () => {
      const t = await fresh();
      await produce(t.prefix, events);
      await withSink(t, { maxRows: 1500, maxBytes: 64 << 20, maxDelayMs: 500 }, async () => {
        await waitFor("the sink to catch up", () => caughtUp(t.prefix, t.group), 120_000);
      });
      const before = await readLake(t.store, conn);
      const hourOf = (key: string) => key.slice(0, key.lastIndexOf("/"));
      expect(before.files.length).toBeGreaterThan(new Set(before.files.map(hourOf)).size);
      // The sink's own DLQ rows carry the Kafka time (now), so the current hour counts as closed here.
      const options = {
        closedBefore: Date.now() + 7_200_000,
        workDir: mkdtempSync(join(tmpdir(), "compact-")),
        logger,
      };
      const stats = await compactLake(t.store, options);
      expect(stats.merged).toBeGreaterThan(0);
      const after = await readLake(t.store, conn);
      const hours = new Set(before.files.map(hourOf));
      expect(after.files.length).toBe(hours.size);
      expect(new Set(after.files.map(hourOf))).toEqual(hours);
      for (const table of ALL_TOPICS) {
        const strip = (rows: LakeRow[]) => rows.map((r) => JSON.stringify(r)).sort();
        expect(strip(after.tables.get(table)!), table).toEqual(strip(before.tables.get(table)!));
      }
      const again = await compactLake(t.store, {
        ...options,
        workDir: mkdtempSync(join(tmpdir(), "compact-")),
      });
      expect(again.merged).toBe(0);
      expect((await t.store.list("bronze/")).length).toBe(hours.size);
      await t.store.close();
    },
  );
});
