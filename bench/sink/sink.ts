/**
 * The lake sink end to end: a generated backfill is produced to its own topics first, then the
 * sink reads it all from Kafka and writes bronze Parquet to LAKE_URI (a local directory or the
 * real MinIO). Prints events/s from the sink's start to its last commit, bytes per event in the
 * lake and peak RSS. Rotation as in production (--max-rows, default 1M; --max-delay-ms, default
 * 60 s): once the sink has consumed everything it is stopped, which flushes what it holds, as a
 * catch-up after an outage would end; the time includes that flush.
 *
 *   KAFKA_BROKERS=127.0.0.1:9092 node bin/run-ts.mjs bench/sink/sink.ts --days 1 --lake file:///tmp/bench-lake
 *   KAFKA_BROKERS=127.0.0.1:9092 node bin/run-ts.mjs bench/sink/sink.ts --days 1 --lake s3://lakehouse/bench
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../../core/config.ts";
import { KafkaLogConsumer } from "../../core/eventlog/kafka-consumer.ts";
import { ALL_TOPICS } from "../../core/events/topics.ts";
import { localServers } from "../../core/local-servers.ts";
import { createLogger } from "../../core/logger.ts";
import { BronzeWriter } from "../../lake/sink/bronze-writer.ts";
import { LakeSink, POLL_MAX } from "../../lake/sink/sink.ts";
import { DEFAULT_ROTATION } from "../../lake/sink/topic-batch.ts";
import { openStore } from "../../lake/store/open.ts";
import { consumeCeiling } from "../consume-ceiling.ts";
import { peakRssMb } from "../measure.ts";
import { recordsByTopic, writerAlone } from "./writer-alone.ts";
import { backfillWorkload } from "../ingest/workload.ts";
import { producedTopics, removeTopics } from "./topics.ts";

const { values, options } = backfillWorkload({
  lake: { type: "string", default: "file:///tmp/bench-lake" },
  "max-rows": { type: "string", default: String(DEFAULT_ROTATION.maxRows) },
  "max-delay-ms": { type: "string", default: String(DEFAULT_ROTATION.maxDelayMs) },
});
const servers = localServers();
const logger = createLogger({ level: "warn" });
const brokers = servers.kafkaBrokers;
const { prefix, produced } = await producedTopics(brokers, options, logger);
const lakeUri = `${values.lake!.replace(/\/+$/, "")}/${prefix.slice(0, -1)}`;

const cfg = loadConfig({
  ...process.env,
  LAKE_URI: lakeUri,
  S3_ENDPOINT: servers.s3.endpoint,
  S3_ACCESS_KEY_ID: servers.s3.accessKeyId,
  S3_SECRET_ACCESS_KEY: servers.s3.secretAccessKey,
});
const store = openStore(logger, undefined, cfg);
const writer = await BronzeWriter.open(mkdtempSync(join(tmpdir(), "bench-sink-")));
const sink = new LakeSink({
  group: `${prefix}sink`,
  store,
  writer,
  rotation: {
    ...DEFAULT_ROTATION,
    maxRows: Number(values["max-rows"]),
    maxDelayMs: Number(values["max-delay-ms"]),
  },
  logger,
});
const consumer = await KafkaLogConsumer.connect({
  brokers,
  group: `${prefix}sink`,
  topicPrefix: prefix,
  topics: [...ALL_TOPICS],
  handlers: sink.handlers,
  logger,
});
const stop = new AbortController();
const t0 = performance.now();
const running = sink.run(consumer, stop.signal);
while (sink.stats.consumed < produced) await new Promise((r) => setTimeout(r, 20));
stop.abort();
await running;
const seconds = (performance.now() - t0) / 1000;
if (sink.stats.rows !== produced)
  throw new Error(`wrote ${sink.stats.rows} rows (${sink.stats.rejected} rejected) of ${produced} records`);
await consumer.close();
writer.close();
const bytes = (await store.list("bronze/")).reduce((n, o) => n + o.size, 0);
// Left behind, every run's files would pile up in the store (MinIO's scanner then walks them).
await store.delete((await store.list("")).map((o) => o.key));
await store.close();
console.log(
  `sink -> ${cfg.lake.uri}: ${produced} events in ${seconds.toFixed(2)} s = ${Math.round(produced / seconds).toLocaleString("en")} events/s, ` +
    `${sink.stats.files} files, ${(bytes / produced).toFixed(1)} bytes/event, ` +
    `batches ${sink.stats.batches}, peak RSS ${peakRssMb()} MB`,
);
// The box's limits, in the same run: each half of the sink alone.
const ceiling = await consumeCeiling({
  brokers,
  topicPrefix: prefix,
  topics: [...ALL_TOPICS],
  total: produced,
  batchSize: POLL_MAX,
  logger,
});
await removeTopics(brokers, prefix, logger);
const alone = await writerAlone(recordsByTopic(options), Number(values["max-rows"]));
const sinkRate = produced / seconds;
const writerRate = alone.events / alone.seconds;
console.log(
  `consumer alone: ${ceiling.recordsPerSecond.toLocaleString("en")} records/s; ` +
    `writer alone (local disk): ${Math.round(writerRate).toLocaleString("en")} events/s; ` +
    `the sink reaches ${(sinkRate / writerRate).toFixed(2)} of the writer`,
);
