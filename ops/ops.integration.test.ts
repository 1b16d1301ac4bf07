/**
 * The operator's commands against the real Kafka, Postgres and MinIO. `lakehouse status --json`:
 * the lag it reports is the lag the stream's offsets table and the sink's Kafka group offsets
 * say, recomputed here from those stores directly; with Kafka unreachable it says so within its
 * timeout and still reports the rest. `lakehouse dlq`: lists the letters of both sources, shows
 * one, refuses to replay one still invalid, replays the corrected one once.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Admin } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KafkaAdmin } from "../core/eventlog/kafka-admin.ts";
import { KafkaProducer } from "../core/eventlog/kafka-producer.ts";
import { readRange, watermarks } from "../core/eventlog/kafka-range.ts";
import { kafkaClient } from "../core/eventlog/kafkajs-client.ts";
import { ALL_TOPICS, EVENT_TOPICS } from "../core/events/topics.ts";
import { localServers, requireServer } from "../core/local-servers.ts";
import { createLogger } from "../core/logger.ts";
import { loadReference } from "../ingest/reference/load.ts";
import {
  caughtUp,
  createTopics,
  endOffsets,
  produceLines,
  seededDataset,
  startWorker,
  testSchema,
  waitFor,
  type Dataset,
  type TestSchema,
} from "../stream/testing/harness.ts";
import { dlqRecord } from "../ingest/edge.ts";
import { runCli } from "../cli/testing/run-cli.ts";
import type { Letter } from "./dlq/letters.ts";
import type { Status } from "./status/collect.ts";

const up = (await requireServer("kafka")) && (await requireServer("postgres")) && (await requireServer("s3"));
const servers = localServers();
const brokers = servers.kafkaBrokers;
const logger = createLogger({ level: process.env.TEST_LOG_LEVEL ?? "warn" });
const run = randomBytes(3).toString("hex");

describe.skipIf(!up)("lakehouse status and dlq on the real servers", () => {
  let ds: Dataset;
  let schema: TestSchema;
  let producer: KafkaProducer;
  let admin: Admin;
  const prefix = `statustest-${run}.`;
  const streamGroup = `status-stream-${run}`;
  const sinkGroup = `status-sink-${run}`;
  let env: Record<string, string>;

  beforeAll(async () => {
    ds = await seededDataset(mkdtempSync(join(tmpdir(), "status-events-")), {
      seed: 3,
      users: 400,
      products: 120,
      days: 1,
      transactionsPerDay: 400,
      until: "2026-11-02T00:00:00Z",
    });
    schema = await testSchema(servers.databaseUrl, logger);
    await loadReference(schema.pool, ds.catalog);
    await createTopics(brokers, prefix, logger);
    producer = await KafkaProducer.connect({ brokers, logger });
    admin = kafkaClient(brokers, "status-test", logger).admin();
    await admin.connect();
    env = {
      KAFKA_BROKERS: brokers.join(","),
      KAFKA_TOPIC_PREFIX: prefix,
      DATABASE_URL: schema.url,
      LAKE_URI: `s3://lakehouse/status-${run}`,
      S3_ENDPOINT: servers.s3.endpoint,
      S3_ACCESS_KEY_ID: servers.s3.accessKeyId,
      S3_SECRET_ACCESS_KEY: servers.s3.secretAccessKey,
      DATA_DIR: mkdtempSync(join(tmpdir(), "status-data-")),
    };
  }, 120_000);

  afterAll(async () => {
    await producer?.close();
    await admin?.disconnect();
    await schema?.drop().catch(() => {});
    const cleanup = await KafkaAdmin.connect(brokers, logger);
    await cleanup.deleteTopicsWithPrefix(prefix).finally(() => cleanup.close());
  });

  it(
    "reports the lag the offsets table and Kafka's group offsets say, per group and topic",
    { timeout: 180_000 },
    async () => {
      // The stream processes the day (and one broken record, its dead letter), then stops; more
      // traffic arrives while it is down.
      await produceLines(producer, prefix, ds.lines);
      await producer.send([{ topic: `${prefix}transactions`, key: "u", value: Buffer.from('{"broken') }]);
      const ends = endOffsets(ds.lines);
      const worker = await startWorker({
        sql: schema.sql,
        brokers,
        prefix,
        group: streamGroup,
        owner: "status",
        logger,
      });
      await waitFor("the stream to catch up", () => caughtUp(schema.sql, streamGroup, ends, false), 120_000);
      await worker.stop();
      const more = ds.lines.slice(0, 700);
      await produceLines(producer, prefix, more);
      // The sink group has committed half of every partition of refunds, nothing elsewhere.
      const refunds = await admin.fetchTopicOffsets(`${prefix}refunds`);
      await admin.setOffsets({
        groupId: sinkGroup,
        topic: `${prefix}refunds`,
        partitions: refunds.map((p) => ({
          partition: p.partition,
          offset: String(Math.floor(Number(p.high) / 2)),
        })),
      });

      const result = await runCli(
        ["status", "--json", "--stream-group", streamGroup, "--sink-group", sinkGroup],
        env,
      );
      expect(result.err).not.toMatch(/\n\s+at /);
      expect(result.code, result.out + result.err).toBe(0);
      const s = JSON.parse(result.out) as Status;

      // What the stores say, read here without the command's code.
      const high = new Map<string, number>();
      for (const topic of ALL_TOPICS)
        for (const p of await admin.fetchTopicOffsets(prefix + topic))
          high.set(`${topic}/${p.partition}`, Number(p.high));
      const offsets = await schema.sql.query<{ topic: string; kafka_partition: number; next_offset: string }>(
        "SELECT topic, kafka_partition, next_offset FROM stream_offsets WHERE group_id = $1",
        [streamGroup],
      );
      const next = new Map(
        offsets.rows.map((r) => [`${r.topic}/${r.kafka_partition}`, Number(r.next_offset)]),
      );
      const streamLag = Object.fromEntries(
        EVENT_TOPICS.map((t) => [
          t,
          [...high]
            .filter(([k]) => k.startsWith(`${t}/`))
            .reduce((n, [k, h]) => n + h - (next.get(k) ?? 0), 0),
        ]),
      );
      const committed = await admin.fetchOffsets({
        groupId: sinkGroup,
        topics: ALL_TOPICS.map((t) => prefix + t),
      });
      const sinkLag = Object.fromEntries(
        committed.map((c) => [
          c.topic.slice(prefix.length),
          c.partitions.reduce((n, p) => {
            const h = high.get(`${c.topic.slice(prefix.length)}/${p.partition}`)!;
            return n + h - (Number(p.offset) < 0 ? 0 : Number(p.offset));
          }, 0),
        ]),
      );

      const stream = s.groups.find((g) => g.stage === "stream")!;
      expect(stream.group).toBe(streamGroup);
      expect(stream.members).toBe(0);
      expect(Object.fromEntries(stream.lag.map((l) => [l.topic, l.lag]))).toEqual(streamLag);
      // Exactly the records produced while it was down.
      expect(stream.total_lag).toBe(more.length);
      const sink = s.groups.find((g) => g.stage === "sink")!;
      expect(Object.fromEntries(sink.lag.map((l) => [l.topic, l.lag]))).toEqual(sinkLag);
      expect(sink.lag.find((l) => l.topic === "refunds")!.uncommitted).toBe(0);
      expect(sink.lag.find((l) => l.topic === "transactions")!.uncommitted).toBe(6);

      expect(Object.fromEntries(s.topics.map((t) => [t.topic, t.end_offsets]))).toEqual(
        Object.fromEntries(ALL_TOPICS.map((t) => [t, [0, 1, 2, 3, 4, 5].map((p) => high.get(`${t}/${p}`))])),
      );
      expect(s.dead_letters.stream).toEqual({ transactions: 1 });
      expect(s.dead_letters.dlq_topic_records).toBeGreaterThanOrEqual(1);
      expect(s.servers.map((x) => [x.name, x.state])).toEqual([
        ["kafka", "up"],
        ["postgres", "up"],
        ["lake", "up"],
        ["warehouse", "up"],
      ]);
      expect(s.lake!.layers.map((l) => l.layer)).toEqual(["bronze", "silver", "gold"]);
      expect(s.batch_runs).toEqual([]);

      // The same figures for a person.
      const text = await runCli(["status", "--stream-group", streamGroup, "--sink-group", sinkGroup], env);
      expect(text.out).toContain(
        `group ${streamGroup} (stream, offsets in postgres): 0 members, lag ${more.length.toLocaleString("en-US")}`,
      );
    },
  );

  it(
    "names a server that does not answer, within its timeout, and still reports the others",
    { timeout: 60_000 },
    async () => {
      const started = Date.now();
      const result = await runCli(["status", "--json", "--timeout", "3s"], {
        ...env,
        KAFKA_BROKERS: "127.0.0.1:1",
      });
      expect(Date.now() - started).toBeLessThan(20_000);
      expect(result.code).toBe(1);
      const s = JSON.parse(result.out) as Status;
      expect(s.servers.find((x) => x.name === "kafka")!.state).toBe("down");
      expect(s.servers.find((x) => x.name === "postgres")!.state).toBe("up");
      expect(s.problems[0]).toMatch(/^kafka \(127\.0\.0\.1:1\): /);
      expect(result.err).not.toMatch(/\n\s+at /);
    },
  );

  it(
    "lists the letters of both sources, refuses one still invalid, and replays the corrected one once",
    { timeout: 120_000 },
    async () => {
      // A refund the edge refused (as the collector would have written it), beside the stream's
      // letter of the broken transaction from the test above.
      const refund = ds.lines
        .map((l) => JSON.parse(l) as { topic: string; value: Record<string, unknown> })
        .find((e) => e.topic === "refunds")!.value as { user_id: string } & Record<string, unknown>;
      const bad = { ...refund, refund_id: randomUUID(), amount: -5 };
      const letter = dlqRecord("refunds", JSON.stringify(bad), "amount: expected a positive amount");
      await producer.send([{ ...letter, topic: prefix + letter.topic }]);

      const listed = await runCli(["dlq", "list", "--json"], env);
      expect(listed.code, listed.err).toBe(0);
      const { letters } = JSON.parse(listed.out) as { letters: Letter[] };
      const edge = letters.find((l) => l.source === "topic" && l.original_topic === "refunds")!;
      const streamDead = letters.find((l) => l.source === "stream")!;
      expect(edge.reason).toBe("amount: expected a positive amount");
      // Not JSON, so kept as base64.
      const brokenPayload = Buffer.from('{"broken').toString("base64");
      expect(streamDead).toMatchObject({
        original_topic: "transactions",
        payload: brokenPayload,
        payload_encoding: "base64",
      });
      // The stream's letter is also on the topic (its at-least-once copy).
      expect(letters.filter((l) => l.source === "topic" && l.payload === brokenPayload)).not.toHaveLength(0);

      const filtered = await runCli(["dlq", "list", "--json", "--source", "stream", "--reason", "JSON"], env);
      expect((JSON.parse(filtered.out) as { letters: Letter[] }).letters.map((l) => l.id)).toEqual([
        streamDead.id,
      ]);

      const shown = await runCli(["dlq", "show", edge.id], env);
      expect(JSON.parse(shown.out)).toMatchObject({ id: edge.id, payload: bad, replay: null });

      const before = await watermarks(admin, [`${prefix}refunds`]);
      const invalid = await runCli(["dlq", "replay", edge.id], env);
      expect(invalid.code).toBe(1);
      expect(invalid.err.trim()).toMatch(
        new RegExp(`^lakehouse: ${edge.id}: invalid: still refused by the edge: amount`),
      );
      const notJson = await runCli(["dlq", "replay", streamDead.id], env);
      expect(notJson.err).toContain("the payload is not JSON");

      const fixed = join(env.DATA_DIR!, "fixed.json");
      writeFileSync(fixed, JSON.stringify({ ...bad, amount: 5 }));
      const replayed = await runCli(["dlq", "replay", edge.id, "--edit", fixed], env);
      expect(replayed.code, replayed.err).toBe(0);
      expect(replayed.out).toContain(`${edge.id}: sent: sent to refunds (edited)`);
      const again = await runCli(["dlq", "replay", edge.id, "--edit", fixed, "--json"], env);
      expect(again.code).toBe(1);
      expect(JSON.parse(again.out)).toMatchObject({
        outcomes: [{ id: edge.id, status: "refused", detail: expect.stringMatching(/^already replayed/) }],
        ok: 0,
        total: 1,
      });

      const after = await watermarks(admin, [`${prefix}refunds`]);
      const arrived = await readRange(brokers, before, after, logger);
      expect(arrived.map((r) => JSON.parse(r.value.toString()) as object)).toEqual([{ ...bad, amount: 5 }]);
      expect(arrived[0]!.key).toBe(bad.user_id);

      const usage = await runCli(["dlq", "replay"], env);
      expect(usage.code).toBe(1);
      expect(usage.err.trim().split("\n")).toHaveLength(1);
    },
  );
});
