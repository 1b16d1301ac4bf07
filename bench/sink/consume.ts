/**
 * The ceiling any sink or stream worker in Node has on this machine: how fast a consumer can
 * read records out of the real local Kafka doing nothing with them (each value's length is
 * summed so the read is not optimised away). librdkafka (node-rdkafka, what the project uses)
 * and @platformatic/kafka (pure JavaScript) on the same freshly produced topics.
 *
 *   KAFKA_BROKERS=127.0.0.1:9092 node bin/run-ts.mjs bench/sink/consume.ts --days 2 --users 1000000
 */
import { Consumer } from "@platformatic/kafka";
import Kafka from "node-rdkafka";
import { EVENT_TOPICS } from "../../core/events/topics.ts";
import { localServers } from "../../core/local-servers.ts";
import { createLogger } from "../../core/logger.ts";
import { backfillWorkload } from "../ingest/workload.ts";
import { producedTopics, removeTopics } from "./topics.ts";

const { options } = backfillWorkload();
const logger = createLogger({ level: "warn" });
const brokers = localServers().kafkaBrokers;
const { prefix, produced: events } = await producedTopics(brokers, options, logger);
const topics = EVENT_TOPICS.map((t) => prefix + t);

function report(client: string, n: number, bytes: number, ms: number) {
  console.log(
    `${client}: ${n} records, ${(bytes / 1e6).toFixed(0)} MB in ${(ms / 1000).toFixed(2)} s = ` +
      `${Math.round((n / ms) * 1000).toLocaleString("en")} records/s`,
  );
}

async function rdkafka(batch: number): Promise<void> {
  const c = new Kafka.KafkaConsumer(
    {
      "group.id": `${prefix}rd-${batch}`,
      "metadata.broker.list": brokers.join(","),
      "enable.auto.commit": false,
      "fetch.max.bytes": 64 * 1024 * 1024,
      "fetch.wait.max.ms": 10,
    },
    { "auto.offset.reset": "earliest" },
  );
  await new Promise<void>((resolve, reject) =>
    c.connect({}, (err) => (err ? reject(new Error(err.message)) : resolve())),
  );
  c.setDefaultConsumeTimeout(200);
  c.subscribe(topics);
  let n = 0;
  let bytes = 0;
  let t0 = 0;
  while (n < events) {
    const messages = await new Promise<Kafka.Message[]>((resolve, reject) =>
      c.consume(batch, (err, m) => (err ? reject(new Error(err.message)) : resolve(m))),
    );
    if (messages.length > 0 && t0 === 0) t0 = performance.now();
    n += messages.length;
    for (const m of messages) bytes += m.value?.length ?? 0;
  }
  report(`node-rdkafka, consume(${batch})`, n, bytes, performance.now() - t0);
  await new Promise<void>((resolve) => c.disconnect(() => resolve()));
}

async function platformatic(): Promise<void> {
  const c = new Consumer({
    groupId: `${prefix}plat`,
    clientId: "bench-consume",
    bootstrapBrokers: brokers,
    autocommit: false,
    maxBytes: 64 * 1024 * 1024,
    maxWaitTime: 10,
  });
  const stream = await c.consume({ topics, mode: "earliest", autocommit: false });
  let n = 0;
  let bytes = 0;
  let t0 = 0;
  for await (const m of stream) {
    if (t0 === 0) t0 = performance.now();
    n++;
    bytes += m.value.length;
    if (n >= events) break;
  }
  report("@platformatic/kafka", n, bytes, performance.now() - t0);
  await stream.close();
  await c.close();
}

await platformatic();
await rdkafka(10_000);
await rdkafka(50_000);
await platformatic();
await removeTopics(brokers, prefix, logger);
process.exit(0);
