/**
 * A backfill into the real local Kafka, exactly as `lakehouse ingest generate --backfill-days`
 * runs it (simulation on a worker thread, validation, librdkafka with acks=all and
 * idempotence), timed from the first event to the last acknowledgement.
 *
 *   KAFKA_BROKERS=127.0.0.1:9092 node bin/run-ts.mjs bench/ingest/backfill.ts [--days 3] [--per-day 100000] [--codec lz4]
 */
import { parseArgs } from "node:util";
import { KafkaProducer, type Codec } from "../../core/eventlog/kafka-producer.ts";
import { KafkaAdmin } from "../../core/eventlog/kafka-admin.ts";
import { localServers } from "../../core/local-servers.ts";
import { createLogger } from "../../core/logger.ts";
import { backfillToLog } from "../../ingest/backfill.ts";
import { createTopics, DEFAULT_TOPIC_OPTIONS } from "../../ingest/topics.ts";
import { peakRssMb } from "../measure.ts";

const { values } = parseArgs({
  options: {
    days: { type: "string", default: "3" },
    "per-day": { type: "string", default: "100000" },
    users: { type: "string", default: "10000000" },
    products: { type: "string", default: "250000" },
    codec: { type: "string", default: "lz4" },
  },
});
const logger = createLogger({ level: "warn" });
const brokers = localServers().kafkaBrokers;
const admin = await KafkaAdmin.connect(brokers, logger);
await createTopics(admin, DEFAULT_TOPIC_OPTIONS);
await admin.close();
const producer = await KafkaProducer.connect({ brokers, codec: values.codec as Codec, logger });
const t0 = performance.now();
const { events } = await backfillToLog(
  {
    seed: 42,
    users: Number(values.users),
    products: Number(values.products),
    anomalyRate: 0.005,
    mode: {
      kind: "backfill",
      days: Number(values.days),
      until: Date.parse("2026-11-01T00:00:00Z"),
      transactionsPerDay: Number(values["per-day"]),
    },
  },
  producer,
  {},
);
await producer.flush();
const seconds = (performance.now() - t0) / 1000;
await producer.close();
console.log(
  `backfill into Kafka (acks=all, ${values.codec}): ${events} events in ${seconds.toFixed(2)} s = ` +
    `${Math.round(events / seconds).toLocaleString("en")} events/s, peak RSS ${peakRssMb()} MB (producing thread; the worker shares the process)`,
);
