import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import type { Admin } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KafkaAdmin } from "../core/eventlog/kafka-admin.ts";
import { KafkaProducer } from "../core/eventlog/kafka-producer.ts";
import { kafkaClient } from "../core/eventlog/kafkajs-client.ts";
import { readRange, watermarks, type Watermarks } from "../core/eventlog/kafka-range.ts";
import { EVENT_TOPICS, ID_FIELD } from "../core/events/topics.ts";
import { localServers, requireServer } from "../core/local-servers.ts";
import { createLogger } from "../core/logger.ts";
import { backfillToLog } from "./backfill.ts";
import { simulatorFor, type GenerateOptions } from "./generate.ts";
import { createTopics, DEFAULT_TOPIC_OPTIONS } from "./topics.ts";

const up = await requireServer("kafka");
/** The broker's pid, from the pid file services.sh writes (it started the broker). */
const pidFile = join(
  process.env.LAKEHOUSE_CACHE ?? join(homedir(), ".cache", "lakehouse"),
  "run",
  "kafka.pid",
);
const brokerPid = existsSync(pidFile) ? Number(readFileSync(pidFile, "utf8").trim()) : undefined;

const added = (before: Watermarks, after: Watermarks) =>
  [...after].reduce(
    (sum, [topic, parts]) =>
      sum + [...parts].reduce((s, [p, high]) => s + high - (before.get(topic)?.get(p) ?? 0), 0),
    0,
  );

describe.skipIf(!up)("ingest under failure, on the real Kafka", () => {
  const brokers = localServers().kafkaBrokers;
  const logger = createLogger({ level: "silent" });
  let admin: Admin;

  beforeAll(async () => {
    const lakehouseAdmin = await KafkaAdmin.connect(brokers, logger);
    await createTopics(lakehouseAdmin, DEFAULT_TOPIC_OPTIONS);
    await lakehouseAdmin.close();
    admin = kafkaClient(brokers, "failure-test", logger).admin();
    await admin.connect();
  });

  afterAll(async () => admin?.disconnect());

  it(
    "waits while the broker is frozen, then delivers every event exactly once",
    { timeout: 120_000 },
    async () => {
      if (brokerPid === undefined) {
        if (process.env.CI === "true")
          throw new Error(`no broker pid file at ${pidFile}: start the servers with npm run services:start`);
        console.warn(`skipping: no broker pid file at ${pidFile}`);
        return;
      }
      const options: GenerateOptions = {
        seed: 21,
        users: 20_000,
        products: 2000,
        anomalyRate: 0,
        mode: {
          kind: "backfill",
          days: 1,
          until: Date.parse("2026-09-01T00:00:00Z"),
          transactionsPerDay: 30_000,
        },
      };
      const expected = [...simulatorFor(options).events()];
      const producer = await KafkaProducer.connect({ brokers, logger });
      const before = await watermarks(admin, EVENT_TOPICS);
      // Freeze the broker shortly after the backfill starts, for 6 s: connections stay open but
      // nothing answers, as with a long GC pause or a network partition.
      const freeze = setTimeout(() => process.kill(brokerPid, "SIGSTOP"), 300);
      const thaw = setTimeout(() => process.kill(brokerPid, "SIGCONT"), 6300);
      try {
        const result = await backfillToLog(options, producer, {});
        await producer.flush();
        expect(result.events).toBe(expected.length);
      } finally {
        clearTimeout(freeze);
        clearTimeout(thaw);
        process.kill(brokerPid, "SIGCONT");
        await producer.close();
      }
      const after = await watermarks(admin, EVENT_TOPICS);
      expect(added(before, after)).toBe(expected.length);
      const records = await readRange(brokers, before, after, logger);
      const ids = records.map(
        (r) =>
          `${r.topic}:${String((JSON.parse(r.value.toString()) as Record<string, unknown>)[ID_FIELD[r.topic as keyof typeof ID_FIELD]])}`,
      );
      expect(new Set(ids).size).toBe(expected.length); // nothing twice: the idempotent producer dropped the retried duplicates
    },
  );

  it(
    "flushes and exits 0 on SIGINT: Kafka holds exactly the events it reports",
    { timeout: 60_000 },
    async () => {
      const before = await watermarks(admin, EVENT_TOPICS);
      const child = spawn(
        process.execPath,
        [
          "bin/lakehouse.mjs",
          "ingest",
          "generate",
          "--rate",
          "3000",
          "--duration",
          "5m",
          "--users",
          "200000",
          "--products",
          "5000",
        ],
        {
          env: { ...process.env, KAFKA_BROKERS: brokers.join(","), DATABASE_URL: "", LOG_LEVEL: "info" },
          stdio: ["ignore", "pipe", "pipe"],
        },
      );
      let output = "";
      child.stdout.on("data", (d: Buffer) => (output += d.toString()));
      child.stderr.on("data", (d: Buffer) => (output += d.toString()));
      // Interrupt it mid-stream, once Kafka holds a few thousand of its events.
      const started = Date.now();
      while (added(before, await watermarks(admin, EVENT_TOPICS)) < 3000 && Date.now() - started < 40_000) {
        await new Promise((r) => setTimeout(r, 200));
      }
      child.kill("SIGINT");
      const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
      expect(code).toBe(0);
      const done = /"msg":"done: (\d+) events/.exec(output);
      expect(done, output.slice(-2000)).not.toBeNull();
      const reported = Number(done![1]);
      expect(reported).toBeGreaterThan(3000);
      expect(added(before, await watermarks(admin, EVENT_TOPICS))).toBe(reported);
    },
  );
});
