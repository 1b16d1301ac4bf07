/**
 * A backfill into the real local Kafka, exactly as `lakehouse ingest generate --backfill-days`
 * runs it (two simulation threads merged by event time, validation, librdkafka with acks=all and
 * idempotence), timed from the first event to the last acknowledgement.
 *
 *   KAFKA_BROKERS=127.0.0.1:9092 node bin/run-ts.mjs bench/ingest/backfill.ts [--days 3] [--per-day 100000] [--codec lz4]
 */
import { KafkaProducer, type Codec } from "../../core/eventlog/kafka-producer.ts";
import { KafkaAdmin } from "../../core/eventlog/kafka-admin.ts";
import { localServers } from "../../core/local-servers.ts";
import { createLogger } from "../../core/logger.ts";
import { backfillToLog } from "../../ingest/backfill.ts";
import { createTopics, DEFAULT_TOPIC_OPTIONS } from "../../ingest/topics.ts";
import { peakRssMb } from "../measure.ts";
import { backfillWorkload } from "./workload.ts";

const { values, options } = backfillWorkload({ codec: { type: "string", default: "lz4" } });
const logger = createLogger({ level: "warn" });
const brokers = localServers().kafkaBrokers;
const admin = await KafkaAdmin.connect(brokers, logger);
await createTopics(admin, DEFAULT_TOPIC_OPTIONS);
await admin.close();
const producer = await KafkaProducer.connect({ brokers, codec: values.codec as Codec, logger });
const t0 = performance.now();
const { events } = await backfillToLog(options, producer, {});
await producer.flush();
const seconds = (performance.now() - t0) / 1000;
await producer.close();
console.log(
  `backfill into Kafka (acks=all, ${values.codec}): ${events} events in ${seconds.toFixed(2)} s = ` +
    `${Math.round(events / seconds).toLocaleString("en")} events/s, peak RSS ${peakRssMb()} MB (the process: producing thread and both simulation threads)`,
);
