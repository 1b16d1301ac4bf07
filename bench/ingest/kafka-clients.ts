/**
 * The three Node Kafka clients on the same broker and workload: librdkafka (node-rdkafka, what
 * the pipeline uses), kafkajs and @platformatic/kafka. Events are generated and serialised up
 * front (so only the client is measured) into a pool of 100k distinct ones that is cycled
 * through (holding millions in memory would measure the garbage collector instead). All write
 * with acks=all and idempotence, to fresh topics each run:
 *   rdkafka        the pipeline's bulk path: enqueue() then flush()
 *   rdkafka-send   acknowledged send() of batches through the Batcher, like the two below
 *   kafkajs, platformatic   send() through the Batcher (they do not batch across calls)
 *
 *   node bin/run-ts.mjs bench/ingest/kafka-clients.ts [--events 1000000]
 *     [--clients rdkafka,kafkajs,platformatic] [--codecs none,gzip,snappy,lz4]
 *     [--in-flight 4] [--batch 20000]
 */
import { randomUUID } from "node:crypto";
import { parseArgs } from "node:util";
import { Batcher, type BenchProducer } from "./clients/batcher.ts";
import { KafkaAdmin } from "../../core/eventlog/kafka-admin.ts";
import { KafkaProducer, type Codec } from "../../core/eventlog/kafka-producer.ts";
import type { LogRecord } from "../../core/eventlog/port.ts";
import { EVENT_TOPICS } from "../../core/events/topics.ts";
import { localServers } from "../../core/local-servers.ts";
import { createLogger } from "../../core/logger.ts";
import { JourneySimulator } from "../../ingest/generator/simulator.ts";
import { peakRssMb } from "../measure.ts";
import { KafkajsProducer } from "./clients/kafkajs-producer.ts";
import { PlatformaticProducer } from "./clients/platformatic-producer.ts";

const { values } = parseArgs({
  options: {
    events: { type: "string", default: "1000000" },
    clients: { type: "string", default: "rdkafka,rdkafka-send,kafkajs,platformatic" },
    codecs: { type: "string", default: "none,gzip,snappy,lz4" },
    "in-flight": { type: "string", default: "4" },
    batch: { type: "string", default: "20000" },
  },
});
const total = Number(values.events);
const logger = createLogger({ level: "warn" });
const brokers = localServers().kafkaBrokers;
const POOL = 100_000;

const start = Date.parse("2026-10-01T00:00:00Z");
const pool: LogRecord[] = [];
for (const e of new JourneySimulator({
  seed: 42,
  users: 200_000,
  products: 50_000,
  start,
  end: start + 30 * 86_400_000,
  volume: { transactionsPerDay: Math.ceil(POOL / 5 / 30) },
}).events()) {
  pool.push({ topic: e.topic, key: e.key, value: Buffer.from(JSON.stringify(e.value)) });
  if (pool.length === POOL) break;
}
const bytesPerEvent = pool.reduce((s, r) => s + r.value.length, 0) / pool.length;
console.log(
  `workload: ${total} events cycling over ${pool.length} distinct ones, ${bytesPerEvent.toFixed(0)} bytes/event`,
);

const connect: Record<string, (codec: Codec) => Promise<BenchProducer>> = {
  "rdkafka-send": (codec) => KafkaProducer.connect({ brokers, codec, logger }),
  kafkajs: (codec) => KafkajsProducer.connect({ brokers, codec, logger }),
  platformatic: (codec) => PlatformaticProducer.connect({ brokers, codec, logger }),
};

const admin = await KafkaAdmin.connect(brokers, logger);
for (const client of values.clients.split(",")) {
  for (const codec of values.codecs.split(",") as Codec[]) {
    const suffix = randomUUID().slice(0, 8);
    await admin.createTopics(
      EVENT_TOPICS.map((t) => ({
        topic: `${t}-${suffix}`,
        partitions: 6,
        retentionMs: 3_600_000,
        maxMessageBytes: 10_485_760,
      })),
    );
    const records = pool.map((r) => ({ ...r, topic: `${r.topic}-${suffix}` }));
    const t0 = performance.now();
    let close: () => Promise<void>;
    try {
      if (client === "rdkafka") {
        const producer = await KafkaProducer.connect({ brokers, codec, logger });
        close = () => producer.close();
        for (let i = 0; i < total; i++)
          if (!producer.enqueue(records[i % POOL]!)) await producer.waitForRoom();
        await producer.flush();
      } else {
        const producer = await connect[client]!(codec);
        close = () => producer.close();
        const batcher = new Batcher(producer, {
          maxBatchRecords: Number(values.batch),
          maxInFlight: Number(values["in-flight"]),
        });
        for (let i = 0; i < total; i++) if (!batcher.push(records[i % POOL]!)) await batcher.waitForRoom();
        await batcher.flush();
      }
    } catch (err) {
      console.log(
        `${client.padEnd(12)} ${codec.padEnd(6)} failed: ${err instanceof Error ? err.message : String(err)}`,
      );
      continue;
    }
    const seconds = (performance.now() - t0) / 1000;
    await close();
    const rate = Math.round(total / seconds).toLocaleString("en");
    const mbps = ((total * bytesPerEvent) / seconds / 1e6).toFixed(1);
    console.log(
      `${client.padEnd(12)} ${codec.padEnd(6)} ${rate.padStart(9)} events/s  ${mbps.padStart(6)} MB/s  ${seconds.toFixed(2)} s`,
    );
  }
}
await admin.close();
console.log(`peak RSS ${peakRssMb()} MB`);
