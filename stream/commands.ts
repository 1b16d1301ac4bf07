/** `lakehouse stream run` (SPEC sections 4 and 7): the stream worker with bounded restarts. */
import { hostname } from "node:os";
import {
  metricsAddress,
  metricsFlags,
  parseDuration,
  parseFlags,
  parseNumber,
  TOPIC_PREFIX_FLAG,
  topicPrefixOf,
} from "../cli/args.ts";
import { config, redactUrl } from "../core/config.ts";
import { migrate } from "../core/db/migrate.ts";
import { connectPool } from "../core/db/pool.ts";
import { pgSql } from "../core/db/sql.ts";
import { LakehouseError } from "../core/errors.ts";
import { kafkaJoin } from "../core/eventlog/kafka-consumer.ts";
import { KafkaProducer } from "../core/eventlog/kafka-producer.ts";
import { componentLogger } from "../core/logger.ts";
import { retry } from "../core/retry.ts";
import { runService, type ServiceContext } from "../core/service.ts";
import { DEFAULT_SESSION_RULES } from "./operators/sessions/rules.ts";
import { adoptPrefixedOffsets } from "./postgres/shard-store.ts";
import { startStreamWorker } from "./start.ts";
import { DEFAULT_STREAM_OPTIONS, type StreamOptions } from "./worker.ts";

const log = componentLogger("stream");

export async function streamRun(args: string[]): Promise<number> {
  const d = DEFAULT_STREAM_OPTIONS;
  const flags = parseFlags(args, {
    group: { type: "string", default: d.group },
    lateness: { type: "string", default: `${d.latenessMs / 1000}s` },
    "max-future": { type: "string", default: `${d.maxFutureMs / 1000}s` },
    idle: { type: "string", default: `${d.idleMs / 1000}s` },
    "batch-size": { type: "string", default: String(d.batchSize) },
    ...TOPIC_PREFIX_FLAG,
    "instance-id": { type: "string" },
    ...metricsFlags(9464),
    "max-restarts": { type: "string", default: "5" },
    "snapshot-log-bytes": { type: "string", default: String(d.snapshotLogBytes) },
    "products-refresh": { type: "string", default: `${d.productRefreshMs / 60_000}m` },
  });
  const cfg = config();
  if (!cfg.kafkaBrokers)
    throw new LakehouseError(
      "CONFIG_INVALID",
      "KAFKA_BROKERS is not set: the standalone worker reads Kafka (the in-process log runs inside `lakehouse demo`)",
    );
  if (!cfg.databaseUrl)
    throw new LakehouseError(
      "CONFIG_INVALID",
      "DATABASE_URL is not set: the standalone worker writes to Postgres (PGlite runs inside `lakehouse demo`)",
    );
  const brokers = cfg.kafkaBrokers;
  const databaseUrl = cfg.databaseUrl;
  const instanceId = flags["instance-id"];
  const topicPrefix = topicPrefixOf(flags);
  const options = {
    group: flags.group,
    owner: `${hostname()}/${process.pid}${instanceId ? `/${instanceId}` : ""}`,
    latenessMs: parseDuration("lateness", flags.lateness),
    maxFutureMs: parseDuration("max-future", flags["max-future"]),
    idleMs: parseDuration("idle", flags.idle),
    batchSize: parseNumber("batch-size", flags["batch-size"], { min: 1 }),
    sessions: DEFAULT_SESSION_RULES,
    retryDelaysMs: d.retryDelaysMs,
    snapshotLogBytes: parseNumber("snapshot-log-bytes", flags["snapshot-log-bytes"], { min: 0 }),
    productRefreshMs: parseDuration("products-refresh", flags["products-refresh"]),
  };
  log.info({ database: redactUrl(databaseUrl), topicPrefix, ...options }, "stream worker starting");
  return runService({
    name: "stream worker",
    logger: log,
    metrics: metricsAddress(flags),
    maxRestarts: parseNumber("max-restarts", flags["max-restarts"], { min: 0 }),
    run: (ctx) => runOnce({ brokers, topicPrefix, instanceId }, databaseUrl, options, ctx),
  });
}

async function runOnce(
  kafka: { brokers: string[]; topicPrefix: string; instanceId: string | undefined },
  databaseUrl: string,
  options: StreamOptions,
  { signal, ready }: ServiceContext,
): Promise<void> {
  const { brokers, topicPrefix, instanceId } = kafka;
  const pool = await connectPool(databaseUrl, log, { signal });
  const sql = pgSql(pool);
  try {
    await migrate(sql, log);
    const adopted = await adoptPrefixedOffsets(sql, options.group, topicPrefix);
    if (adopted > 0) log.info(`renamed ${adopted} offsets stored under the prefixed topic names`);
    const dlq = await retry(
      () => KafkaProducer.connect({ brokers, topicPrefix, logger: log, clientId: "stream-dlq" }),
      {
        what: `kafka at ${brokers.join(",")}`,
        logger: log,
        signal,
      },
    );
    try {
      const join = kafkaJoin({ brokers, topicPrefix, group: options.group, instanceId, logger: log }, signal);
      const stream = await startStreamWorker({ sql, dlq, join, options, logger: log }, signal);
      ready();
      const stats = await stream.done;
      log.info(stats, `stream worker stopped: ${stats.records} records in ${stats.batches} batches`);
    } finally {
      await dlq.close();
    }
  } finally {
    await sql.close();
  }
}
