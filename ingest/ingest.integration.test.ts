import { KeyRing, parseApiKeys } from "../core/api-keys.ts";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Admin } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KafkaAdmin } from "../core/eventlog/kafka-admin.ts";
import { KafkaProducer } from "../core/eventlog/kafka-producer.ts";
import { kafkaClient } from "../core/eventlog/kafkajs-client.ts";
import { readRange, watermarks } from "../core/eventlog/kafka-range.ts";
import { partitionFor } from "../core/eventlog/partitioner.ts";
import type { DlqRecord } from "../core/events/schemas.ts";
import { ALL_TOPICS, DLQ_TOPIC, ID_FIELD, isEventTopic } from "../core/events/topics.ts";
import { localServers, requireServer } from "../core/local-servers.ts";
import { createLogger } from "../core/logger.ts";
import { backfillToLog } from "./backfill.ts";
import { buildCollector } from "./collector/server.ts";
import { EdgePublisher } from "./edge.ts";
import { simulatorFor, type GenerateOptions } from "./generate.ts";
import { NdjsonFile } from "./outputs.ts";
import { createTopics, DEFAULT_TOPIC_OPTIONS } from "./topics.ts";
import { generate } from "./generate.ts";
import { FileOutput } from "./outputs.ts";
import { readEventsFile } from "./replay/ndjson.ts";
import { replay } from "./replay/replay.ts";
import { corpusEventsFile, hostileCorpus } from "./testing/hostile.ts";

const up = await requireServer("kafka");

describe.skipIf(!up)("ingest into the real Kafka", () => {
  const brokers = localServers().kafkaBrokers;
  const logger = createLogger({ level: process.env.TEST_LOG_LEVEL ?? "warn" });
  let admin: Admin;
  let producer: KafkaProducer;

  beforeAll(async () => {
    const lakehouseAdmin = await KafkaAdmin.connect(brokers, logger);
    await createTopics(lakehouseAdmin, DEFAULT_TOPIC_OPTIONS);
    await lakehouseAdmin.close();
    admin = kafkaClient(brokers, "ingest-test", logger).admin();
    await admin.connect();
    producer = await KafkaProducer.connect({ brokers, logger });
  });

  afterAll(async () => {
    await producer?.close();
    await admin?.disconnect();
  });

  const written = async (write: () => Promise<void>) => {
    const before = await watermarks(admin, ALL_TOPICS);
    await write();
    return readRange(brokers, before, await watermarks(admin, ALL_TOPICS), logger);
  };

  it("creates topics idempotently and refuses a partition-count mismatch", async () => {
    const lakehouseAdmin = await KafkaAdmin.connect(brokers, logger);
    try {
      const again = await createTopics(lakehouseAdmin, DEFAULT_TOPIC_OPTIONS);
      expect(again.created).toEqual([]);
      expect([...again.existing].sort()).toEqual([...ALL_TOPICS].sort());
      await expect(createTopics(lakehouseAdmin, { ...DEFAULT_TOPIC_OPTIONS, partitions: 3 })).rejects.toThrow(
        /co-partitioning/,
      );
    } finally {
      await lakehouseAdmin.close();
    }
  });

  it("writes under a topic prefix, as a prefixed stream run and sink run read, and names it when missing", async () => {
    const prefix = `pfx${Date.now()}_`;
    const lakehouseAdmin = await KafkaAdmin.connect(brokers, logger, prefix);
    try {
      const created = await createTopics(lakehouseAdmin, DEFAULT_TOPIC_OPTIONS);
      expect(created.created.sort()).toEqual([...ALL_TOPICS].sort());
    } finally {
      await lakehouseAdmin.close();
    }
    const prefixed = await KafkaProducer.connect({ brokers, logger, topicPrefix: prefix });
    try {
      const kafkaTopics = ALL_TOPICS.map((t) => prefix + t);
      // New topics answer offset requests once their leaders are elected.
      let before: Awaited<ReturnType<typeof watermarks>> | undefined;
      for (let i = 0; before === undefined; i++)
        before = await watermarks(admin, kafkaTopics).catch(async (err: Error) => {
          if (i > 40) throw err;
          await new Promise((r) => setTimeout(r, 250));
          return undefined;
        });
      await prefixed.send([{ topic: "transactions", key: "u1", value: Buffer.from("{}") }]);
      const records = await readRange(brokers, before, await watermarks(admin, kafkaTopics), logger);
      expect(records.map((r) => r.topic)).toEqual([`${prefix}transactions`]);
      const missing = await KafkaProducer.connect({ brokers, logger, topicPrefix: "nope_" });
      await expect(
        missing.send([{ topic: "transactions", key: "u1", value: Buffer.from("{}") }]),
      ).rejects.toThrow(/nope_transactions does not exist: run lakehouse topics create --topic-prefix nope_/);
      await missing.close();
    } finally {
      await prefixed.close();
      await admin.deleteTopics({ topics: ALL_TOPICS.map((t) => prefix + t) }).catch(() => {});
    }
  }, 60_000);

  it(
    "lands every generated event exactly once, keyed by user and co-partitioned across topics",
    { timeout: 120_000 },
    async () => {
      const options: GenerateOptions = {
        seed: 11,
        users: 4000,
        products: 1000,
        anomalyRate: 0.01,
        mode: {
          kind: "backfill",
          days: 1,
          until: Date.parse("2026-11-01T00:00:00Z"),
          transactionsPerDay: 8000,
        },
      };
      const expected = [...simulatorFor(options).events()];
      const labelsPath = join(mkdtempSync(join(tmpdir(), "labels-")), "labels.ndjson");
      const labels = new NdjsonFile(labelsPath);
      let result = { events: 0, rejected: 0 };
      const records = await written(async () => {
        result = await backfillToLog(options, producer, { labels });
        await producer.flush();
        await labels.close();
      });
      expect(result).toEqual({ events: expected.length, rejected: 0 });
      expect(records).toHaveLength(expected.length);

      // Same events, none lost, none twice.
      const idOf = (topic: string, value: Record<string, unknown>) =>
        `${topic}:${String(value[ID_FIELD[topic as keyof typeof ID_FIELD]])}`;
      const got = records
        .map((r) => idOf(r.topic, JSON.parse(r.value.toString()) as Record<string, unknown>))
        .sort();
      const want = expected.map((e) => idOf(e.topic, e.value as unknown as Record<string, unknown>)).sort();
      expect(got).toEqual(want);

      // Key = user_id, partition from the Java-compatible hash, so one user sits in one
      // partition number on every topic, and each user's events keep their order.
      const partitionOfUser = new Map<string, number>();
      const lastTime = new Map<string, number>();
      for (const r of records) {
        expect(isEventTopic(r.topic)).toBe(true);
        const value = JSON.parse(r.value.toString()) as { user_id: string; timestamp: string };
        expect(r.key).toBe(value.user_id);
        expect(r.partition).toBe(partitionFor(r.key, DEFAULT_TOPIC_OPTIONS.partitions));
        expect(partitionOfUser.get(r.key) ?? r.partition).toBe(r.partition);
        partitionOfUser.set(r.key, r.partition);
        const key = `${r.topic}/${r.key}`;
        expect(Date.parse(value.timestamp)).toBeGreaterThanOrEqual(lastTime.get(key) ?? 0);
        lastTime.set(key, Date.parse(value.timestamp));
      }
      expect(new Set(partitionOfUser.values()).size).toBe(DEFAULT_TOPIC_OPTIONS.partitions);

      // Ground truth went to the labels file, not to Kafka.
      const labelled = readFileSync(labelsPath, "utf8")
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as { transaction_id: string });
      expect(labelled.map((l) => l.transaction_id).sort()).toEqual(
        expected
          .filter((e) => e.labels)
          .map((e) => (e.value as { transaction_id: string }).transaction_id)
          .sort(),
      );
    },
  );

  it("sends invalid events to dlq.events with the reason and the original bytes", async () => {
    const edge = new EdgePublisher(producer);
    const user = "6f1c2f1e-2b7a-4c55-9a62-0d6c8f1e7a10";
    const valid = {
      refund_id: "0b3f4c52-1f0e-4c8b-9d8e-6a7b8c9d0e1f",
      transaction_id: "1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f",
      user_id: user,
      timestamp: new Date().toISOString(),
      amount: 12.5,
      reason: "late",
    };
    const malformed = Buffer.from([0x7b, 0x22, 0xff, 0xfe]);
    const records = await written(async () => {
      edge.offer("refunds", valid);
      edge.offer("refunds", { ...valid, refund_id: "0b3f4c52-1f0e-4c8b-9d8e-6a7b8c9d0e20", amount: -5 });
      edge.offer("refunds", {
        ...valid,
        refund_id: "0b3f4c52-1f0e-4c8b-9d8e-6a7b8c9d0e21",
        timestamp: "2099-01-01T00:00:00Z",
      });
      edge.offer("orders", { user_id: user });
      edge.offer("refunds", undefined, malformed);
      await edge.flush();
    });
    expect(
      records.filter((r) => r.topic === "refunds").map((r) => JSON.parse(r.value.toString()) as unknown),
    ).toEqual([valid]);
    const dlq = records
      .filter((r) => r.topic === DLQ_TOPIC)
      .map((r) => ({ key: r.key, record: JSON.parse(r.value.toString()) as DlqRecord }));
    expect(dlq.map((d) => d.record.error_reason).sort()).toEqual(
      [
        expect.stringMatching(/^\(event\): expected a JSON object/),
        expect.stringMatching(/^amount: expected a number above 0/),
        expect.stringMatching(/^timestamp: .* in the future/),
        expect.stringMatching(/^topic: unknown topic "orders"/),
      ].sort((a, b) => String(a).localeCompare(String(b))),
    );
    for (const d of dlq) expect(d.record.retry_count).toBe(0);
    const bad = dlq.find((d) => d.record.payload_encoding === "base64")!;
    expect(Buffer.from(bad.record.payload, "base64").equals(malformed)).toBe(true);
    const negative = dlq.find((d) => d.record.error_reason.startsWith("amount"))!;
    expect(negative.key).toBe(user); // kept with its user's partition
    expect(negative.record.event_id).toBe("0b3f4c52-1f0e-4c8b-9d8e-6a7b8c9d0e20");
    expect(ALL_TOPICS).toContain(DLQ_TOPIC);
  });

  it("replays a generated events.ndjson: every line once, byte for byte", { timeout: 120_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), "replay-"));
    const options: GenerateOptions = {
      seed: 12,
      users: 2000,
      products: 500,
      anomalyRate: 0,
      mode: {
        kind: "backfill",
        days: 1,
        until: Date.parse("2026-10-01T00:00:00Z"),
        transactionsPerDay: 3000,
      },
    };
    const output = new FileOutput(dir);
    await generate(simulatorFor(options), output, { realtime: false });
    await output.close();
    const lines = readFileSync(join(dir, "events.ndjson"), "utf8").trim().split("\n");
    let result = { accepted: 0, rejected: 0, skipped: 0 };
    const records = await written(async () => {
      result = await replay(readEventsFile(join(dir, "events.ndjson")), producer, { speed: 0 });
    });
    expect(result).toEqual({ accepted: lines.length, rejected: 0, skipped: 0 });
    const want = lines.map((l) => JSON.stringify((JSON.parse(l) as { value: unknown }).value)).sort();
    expect(records.map((r) => r.value.toString()).sort()).toEqual(want);
  });

  it("replays the hostile corpus: each case in Kafka once, as an event or a DLQ record naming its field", async () => {
    const corpus = hostileCorpus();
    const file = join(mkdtempSync(join(tmpdir(), "replay-hostile-")), "events.ndjson");
    corpusEventsFile(corpus, file);
    let result = { accepted: 0, rejected: 0, skipped: 0 };
    const records = await written(async () => {
      result = await replay(readEventsFile(file), producer, { speed: 0 });
    });
    const accepted = corpus.filter((c) => c.expect.accepted);
    const refused = corpus.flatMap((c) => (c.expect.accepted ? [] : [c.expect.field]));
    expect(result).toEqual({ accepted: accepted.length, rejected: refused.length, skipped: 0 });
    // Accepted: the event as the edge writes it, on its own topic, once.
    const events = records.filter((r) => r.topic !== DLQ_TOPIC);
    expect(events.map((r) => `${r.topic} ${r.value.toString()}`).sort()).toEqual(
      accepted.map((c) => `${c.topic} ${JSON.stringify(JSON.parse(c.bytes.toString()))}`).sort(),
    );
    // Refused: one DLQ record each, its reason naming the field the corpus names; a line the
    // file reader cannot parse at all is named by its line number, for the whole event.
    const letters = records
      .filter((r) => r.topic === DLQ_TOPIC)
      .map((r) => (JSON.parse(r.value.toString()) as DlqRecord).error_reason)
      .map((reason) => (/^line \d+: /.test(reason) ? "(event)" : reason.slice(0, reason.indexOf(":"))));
    expect(letters.sort()).toEqual(refused.sort());
  });

  it("collector: 202 only after Kafka has the accepted events; rejects and duplicates answered per event", async () => {
    const app = buildCollector({ producer, keys: new KeyRing(parseApiKeys("t:k", "test")), logger });
    const address = await app.listen({ port: 0, host: "127.0.0.1" });
    try {
      const event = (id: string, amount: unknown) => ({
        topic: "refunds",
        value: {
          refund_id: `7a1c2f1e-2b7a-4c55-9a62-0d6c8f1e${id}`,
          transaction_id: "1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f",
          user_id: "6f1c2f1e-2b7a-4c55-9a62-0d6c8f1e7a10",
          timestamp: new Date().toISOString(),
          amount,
          reason: "damaged",
        },
      });
      // The same event twice (a client's retry): its timestamp too, or it is another body.
      const once = event("0001", 5);
      const body = [once, event("0002", -1), once].map((e) => JSON.stringify(e)).join("\n");
      let response: Response | undefined;
      const records = await written(async () => {
        response = await fetch(`${address}/v1/events`, {
          method: "POST",
          body,
          headers: { "content-type": "application/x-ndjson", "x-api-key": "k" },
        });
      });
      expect(response!.status).toBe(202);
      expect(await response!.json()).toMatchObject({ accepted: 1, rejected: 1, duplicates: 1 });
      expect(records.map((r) => r.topic).sort()).toEqual(["dlq.events", "refunds"]);
      const unauthenticated = await fetch(`${address}/v1/events`, {
        method: "POST",
        body,
        headers: { "content-type": "application/x-ndjson" },
      });
      expect(unauthenticated.status).toBe(401);
    } finally {
      await app.close();
    }
  });

  it("send() resolves only once the broker holds every record", async () => {
    const batch = Array.from({ length: 2000 }, (_, i) => ({
      topic: "cart_events",
      key: `user-${i % 50}`,
      value: Buffer.from(JSON.stringify({ n: i })),
    }));
    const before = await watermarks(admin, ["cart_events"]);
    await producer.send(batch);
    const after = await watermarks(admin, ["cart_events"]); // no flush: send() already waited
    const added = [...after.get("cart_events")!].reduce(
      (s, [p, high]) => s + high - before.get("cart_events")!.get(p)!,
      0,
    );
    expect(added).toBe(2000);
  });
});
