/**
 * The stream worker end to end on the real Kafka and Postgres, every operator on.
 *
 * Throughput: a generated backfill is produced to its own topics first; then `--workers`
 * `lakehouse stream run` processes (the real CLI) read it all and commit into their own
 * Postgres schema. Prints events/s from the first commit to the last, the same from process
 * start, each worker's peak RSS, and then the ceiling on this box: the worker's own Kafka
 * consumer reading the same topics alone (bench/consume-ceiling.ts).
 *
 * Latency (`--rate N --seconds S`): the worker runs first on empty topics; events are produced
 * at N/s with event time = now, and each one's latency is the time from its send to the commit
 * that makes its rows visible (its offset passing in stream_offsets, polled every 20 ms).
 *
 *   node bin/run-ts.mjs bench/stream/stream.ts --days 1 --per-day 100000 --workers 1
 *   node bin/run-ts.mjs bench/stream/stream.ts --rate 5000 --seconds 30
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { KafkaAdmin } from "../../core/eventlog/kafka-admin.ts";
import { KafkaProducer } from "../../core/eventlog/kafka-producer.ts";
import { partitionFor } from "../../core/eventlog/partitioner.ts";
import { localServers } from "../../core/local-servers.ts";
import { createLogger } from "../../core/logger.ts";
import { loadReference } from "../../ingest/reference/load.ts";
import {
  createTopics,
  PARTITIONS,
  produceLines,
  seededDataset,
  testSchema,
} from "../../stream/testing/harness.ts";
import { EVENT_TOPICS } from "../../core/events/topics.ts";
import { consumeCeiling } from "../consume-ceiling.ts";
import { parsedOrExit, percentile } from "../measure.ts";

const { values } = parsedOrExit(() =>
  parseArgs({
    options: {
      days: { type: "string", default: "1" },
      "per-day": { type: "string", default: "100000" },
      users: { type: "string", default: "1000000" },
      products: { type: "string", default: "250000" },
      workers: { type: "string", default: "1" },
      "batch-size": { type: "string", default: "20000" },
      rate: { type: "string" },
      seconds: { type: "string", default: "30" },
      keep: { type: "boolean", default: false },
      /**
       * V8's young generation per semi-space, MB, as docker-compose.yml sets it (NODE_OPTIONS);
       * 0 leaves Node's default (16).
       */
      "semi-space-mb": { type: "string", default: "64" },
      /** Writes each worker's CPU profile (.cpuprofile) into this directory. */
      profile: { type: "string" },
    },
  }),
);
if (!/^\d+$/.test(values["semi-space-mb"])) {
  console.error(
    `--semi-space-mb: expected a whole number of MB (0 for Node's default), got "${values["semi-space-mb"]}"`,
  );
  process.exit(2);
}
const servers = localServers();
const logger = createLogger({ level: "warn" });
const brokers = servers.kafkaBrokers;
const id = randomBytes(3).toString("hex");
const prefix = `bench-${id}.`;
const group = `bench-${id}`;
const ROOT = new URL("../..", import.meta.url).pathname;

const dir = mkdtempSync(join(tmpdir(), "bench-stream-"));
let started = performance.now();
const ds = await seededDataset(dir, {
  seed: 42,
  users: Number(values.users),
  products: Number(values.products),
  days: Number(values.days),
  transactionsPerDay: Number(values["per-day"]),
  until: "2026-11-02T00:00:00Z",
});
const schema = await testSchema(servers.databaseUrl, logger);
await loadReference(schema.pool, ds.catalog);
await createTopics(brokers, prefix, logger);
const producer = await KafkaProducer.connect({ brokers, logger });
console.log(
  `dataset: ${ds.lines.length} events, reference loaded (${((performance.now() - started) / 1000).toFixed(1)} s)`,
);

function launch(n: number): ChildProcess {
  const child = spawn(
    process.execPath,
    [
      ...(values.profile ? ["--cpu-prof", "--cpu-prof-dir", values.profile] : []),
      ...(Number(values["semi-space-mb"]) > 0 ? [`--max-semi-space-size=${values["semi-space-mb"]}`] : []),
      join(ROOT, "bin/lakehouse.mjs"),
      "stream",
      "run",
      "--group",
      group,
      "--topic-prefix",
      prefix,
      "--instance-id",
      `bench-${id}-${n}`,
      "--metrics-port",
      "0",
      "--batch-size",
      values["batch-size"],
    ],
    {
      env: { ...process.env, DATABASE_URL: schema.url, KAFKA_BROKERS: brokers.join(","), LOG_LEVEL: "warn" },
      stdio: ["ignore", "inherit", "inherit"],
    },
  );
  return child;
}

const peakRss = (pid: number) => {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Math.round(Number(/VmHWM:\s+(\d+)/.exec(status)![1]) / 1024);
};

async function committed(): Promise<Map<string, number>> {
  const { rows } = await schema.sql.query<{ topic: string; kafka_partition: number; next_offset: string }>(
    "SELECT topic, kafka_partition, next_offset FROM stream_offsets WHERE group_id = $1",
    [group],
  );
  return new Map(rows.map((r) => [`${r.topic}/${r.kafka_partition}`, Number(r.next_offset)]));
}

const stop = async (children: ChildProcess[]) => {
  const rss = children.map((c) => peakRss(c.pid!));
  for (const c of children) c.kill("SIGTERM");
  await Promise.all(children.map((c) => new Promise((r) => c.once("exit", r))));
  return rss;
};

if (values.rate === undefined) {
  await produceLines(producer, prefix, ds.lines);
  const total = ds.lines.length;
  const workers = Number(values.workers);
  started = performance.now();
  const children = Array.from({ length: workers }, (_, n) => launch(n));
  let first: number | undefined;
  let last = 0;
  for (;;) {
    await new Promise((r) => setTimeout(r, 100));
    let sum = 0;
    for (const v of (await committed()).values()) sum += v;
    const now = performance.now();
    if (sum > 0 && first === undefined) first = now;
    if (sum !== last) process.stdout.write(`\r${sum} / ${total} committed`);
    last = sum;
    if (sum >= total) break;
  }
  const end = performance.now();
  const rss = await stop(children);
  const seconds = (end - first!) / 1000;
  console.log(`\nworkers: ${workers}, events: ${total}, batch size ${values["batch-size"]}`);
  console.log(`events/s from the first commit: ${Math.round(total / seconds)} (${seconds.toFixed(1)} s)`);
  console.log(`events/s from process start:   ${Math.round(total / ((end - started) / 1000))}`);
  console.log(`peak RSS per worker: ${rss.join(", ")} MB`);
  const ceiling = await consumeCeiling({
    brokers,
    topicPrefix: prefix,
    topics: EVENT_TOPICS,
    total,
    batchSize: Number(values["batch-size"]),
    logger,
  });
  console.log(
    `consumer alone, same topics and poll size: ${ceiling.recordsPerSecond} records/s; ` +
      `the worker reaches ${((total / seconds / ceiling.recordsPerSecond) * 100).toFixed(0)}% of it`,
  );
} else {
  const rate = Number(values.rate);
  const seconds = Number(values.seconds);
  const children = [launch(0)];
  await new Promise((r) => setTimeout(r, 8000)); // join the group, take the shards
  const sent = new Map<string, number[]>(); // tp -> send time of each offset
  const latencies: number[] = [];
  let done = false;
  const poller = (async () => {
    const seen = new Map<string, number>();
    while (!done || [...sent].some(([k, times]) => (seen.get(k) ?? 0) < times.length)) {
      const now = performance.now();
      for (const [k, next] of await committed()) {
        const times = sent.get(k) ?? [];
        for (let o = seen.get(k) ?? 0; o < Math.min(next, times.length); o++) latencies.push(now - times[o]!);
        seen.set(k, next);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  const tickMs = 10;
  let owed: number;
  const inFlight: Promise<void>[] = [];
  let i = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < seconds * 1000) {
    owed = (rate * (performance.now() - t0)) / 1000 - i;
    const batch: { topic: string; key: string; value: Buffer }[] = [];
    const at = performance.now();
    const stamp = new Date().toISOString();
    for (; owed >= 1; owed--) {
      const e = JSON.parse(ds.lines[i++ % ds.lines.length]!) as {
        topic: string;
        key: string;
        value: Record<string, unknown>;
      };
      const value = { ...e.value, timestamp: stamp };
      const k = `${e.topic}/${partitionFor(e.key, PARTITIONS)}`;
      let times = sent.get(k);
      if (!times) sent.set(k, (times = []));
      times.push(at);
      batch.push({ topic: prefix + e.topic, key: e.key, value: Buffer.from(JSON.stringify(value)) });
    }
    // Not awaited: acks=all takes longer than a tick, and the next tick must not wait for it.
    if (batch.length > 0) inFlight.push(producer.send(batch));
    const wait = t0 + (Math.floor((performance.now() - t0) / tickMs) + 1) * tickMs - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  await Promise.all(inFlight);
  done = true;
  await poller;
  const rss = await stop(children);
  console.log(`rate ${rate}/s for ${seconds} s: ${latencies.length} events`);
  console.log(
    `latency send -> visible: p50 ${percentile(latencies, 50).toFixed(0)} ms, p99 ${percentile(latencies, 99).toFixed(0)} ms, max ${latencies.reduce((a, b) => Math.max(a, b), 0).toFixed(0)} ms`,
  );
  console.log(`peak RSS: ${rss.join(", ")} MB`);
}
await producer.close();
if (!values.keep) {
  await schema.drop();
  const admin = await KafkaAdmin.connect(brokers, logger);
  await admin.deleteTopicsWithPrefix(prefix).finally(() => admin.close());
} else await schema.sql.close();
