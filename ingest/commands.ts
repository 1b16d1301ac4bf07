/** The ingest commands of the `lakehouse` CLI (SPEC section 7). */
import {
  metricsAddress,
  optionalMetricsFlags,
  parseDuration,
  parseFlags,
  parseInstant,
  parseNumber,
  TOPIC_PREFIX_FLAG,
  topicPrefixOf,
} from "../cli/args.ts";
import { KeyRing } from "../core/api-keys.ts";
import { config } from "../core/config.ts";
import { LakehouseError, listenOn } from "../core/errors.ts";
import { KafkaAdmin } from "../core/eventlog/kafka-admin.ts";
import { CODECS, KafkaProducer, type Codec } from "../core/eventlog/kafka-producer.ts";
import { componentLogger } from "../core/logger.ts";
import { Progress } from "../core/progress.ts";
import { runService, stopped } from "../core/service.ts";
import { shutdownSignal } from "../core/shutdown.ts";
import { backfillToLog } from "./backfill.ts";
import { buildCollector } from "./collector/server.ts";
import { EdgePublisher } from "./edge.ts";
import { DAY_MS, generate, simulatorFor, type GenerateOptions } from "./generate.ts";
import { FileOutput, LogOutput, NdjsonFile } from "./outputs.ts";
import { writeReferenceFiles } from "./reference/write.ts";
import { loadReference } from "./reference/load.ts";
import type { Catalog } from "./reference/catalog.ts";
import { connectPool } from "../core/db/pool.ts";
import { migrate } from "../core/db/migrate.ts";
import { pgSql } from "../core/db/sql.ts";
import { createTopics, DEFAULT_TOPIC_OPTIONS } from "./topics.ts";
import { readEventsFile } from "./replay/ndjson.ts";
import { readOlist } from "./replay/olist.ts";
import { replay } from "./replay/replay.ts";
import { COUNTRIES, type Country } from "../core/events/schemas.ts";

const log = componentLogger("ingest");

function kafkaBrokers(): string[] {
  const brokers = config().kafkaBrokers;
  if (!brokers)
    throw new LakehouseError(
      "CONFIG_INVALID",
      "KAFKA_BROKERS is not set: set it to the Kafka bootstrap servers",
    );
  return brokers;
}

function connectProducer(flags: {
  codec: string;
  "topic-prefix"?: string | undefined;
}): Promise<KafkaProducer> {
  return KafkaProducer.connect({
    brokers: kafkaBrokers(),
    codec: codecOf(flags.codec),
    topicPrefix: topicPrefixOf(flags),
    logger: log,
  });
}

/** Every command that writes or creates topics takes the prefix `stream run` and `sink run` read. */

function codecOf(value: string): Codec {
  if (!(CODECS as readonly string[]).includes(value)) {
    throw new LakehouseError(
      "CONFIG_INVALID",
      `--codec ${JSON.stringify(value)}: expected one of ${CODECS.join(", ")}`,
    );
  }
  return value as Codec;
}

export async function topicsCreate(args: string[]): Promise<number> {
  const flags = parseFlags(args, {
    partitions: { type: "string", default: String(DEFAULT_TOPIC_OPTIONS.partitions) },
    "retention-days": { type: "string", default: String(DEFAULT_TOPIC_OPTIONS.retentionDays) },
    "max-message-bytes": { type: "string", default: String(DEFAULT_TOPIC_OPTIONS.maxMessageBytes) },
    ...TOPIC_PREFIX_FLAG,
  });
  const options = {
    partitions: parseNumber("partitions", flags.partitions, { min: 1, max: 10_000 }),
    retentionDays: parseNumber("retention-days", flags["retention-days"], { min: 1 }),
    maxMessageBytes: parseNumber("max-message-bytes", flags["max-message-bytes"], { min: 1024 }),
  };
  const prefix = topicPrefixOf(flags);
  const admin = await KafkaAdmin.connect(kafkaBrokers(), log, prefix);
  try {
    const result = await createTopics(admin, options);
    log.info(
      { prefix, created: result.created, existing: result.existing },
      `topics${prefix ? ` under ${prefix}` : ""}: ${result.created.length} created, ${result.existing.length} already there`,
    );
    return 0;
  } finally {
    await admin.close();
  }
}

/** Midnight UTC of today: the default end of a backfill, so reruns on one day match byte for byte. */
function startOfTodayUtc(): number {
  return Math.floor(Date.now() / DAY_MS) * DAY_MS;
}

/** The dimensions the stream layer joins against, from the same catalog the events come from. */
async function loadReferenceInto(databaseUrl: string, catalog: Catalog): Promise<void> {
  const pool = await connectPool(databaseUrl, log);
  try {
    await migrate(pgSql(pool), log);
    const started = performance.now();
    const counts = await loadReference(pool, catalog);
    log.info(counts, `reference data loaded in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  } finally {
    await pool.end();
  }
}

export async function ingestGenerate(args: string[]): Promise<number> {
  const flags = parseFlags(args, {
    rate: { type: "string", default: "500" },
    duration: { type: "string", default: "10m" },
    "backfill-days": { type: "string" },
    until: { type: "string" },
    "per-day": { type: "string", default: "100000" },
    seed: { type: "string", default: "42" },
    users: { type: "string", default: "10000000" },
    products: { type: "string", default: "250000" },
    "anomaly-rate": { type: "string", default: "0.005" },
    out: { type: "string" },
    labels: { type: "string" },
    codec: { type: "string", default: "lz4" },
    ...TOPIC_PREFIX_FLAG,
    "no-reference": { type: "boolean", default: false },
    // A generator run as a service (compose) is watched like one; a one-off run opens no port.
    ...optionalMetricsFlags,
  });
  const metrics = metricsAddress(flags);
  const backfill = flags["backfill-days"] !== undefined;
  const options: GenerateOptions = {
    seed: parseNumber("seed", flags.seed, { max: 2 ** 31 - 1 }),
    users: parseNumber("users", flags.users, { min: 10, max: 100_000_000 }),
    products: parseNumber("products", flags.products, { min: 100, max: 10_000_000 }),
    anomalyRate: parseNumber("anomaly-rate", flags["anomaly-rate"], { integer: false, max: 0.2 }),
    mode: backfill
      ? {
          kind: "backfill",
          days: parseNumber("backfill-days", flags["backfill-days"]!, { min: 1, max: 3650 }),
          until: flags.until === undefined ? startOfTodayUtc() : parseInstant("until", flags.until),
          transactionsPerDay: parseNumber("per-day", flags["per-day"], { min: 1 }),
        }
      : {
          kind: "realtime",
          eventsPerSecond: parseNumber("rate", flags.rate, { min: 1, max: 1_000_000 }),
          durationMs: parseDuration("duration", flags.duration),
          startAt: Date.now(),
        },
  };
  let simulator: ReturnType<typeof simulatorFor>;
  try {
    simulator = simulatorFor(options);
  } catch (err) {
    // Flags that do not fit together (too few users for the episodes a long run plants).
    if (err instanceof RangeError) throw new LakehouseError("CONFIG_INVALID", err.message);
    throw err;
  }
  const run = async (signal: AbortSignal, ready: () => void) => {
    const progress = new Progress({ what: backfill ? "backfill" : "real time", logger: log });
    log.info(
      { mode: options.mode.kind, episodes: simulator.episodes },
      `generating (${simulator.episodes} planted anomaly episodes)`,
    );
    let rejected = 0;
    try {
      if (flags.out !== undefined) {
        const output = new FileOutput(flags.out);
        log.info(
          `writing reference data (${options.products} products, ${options.users} users) to ${flags.out}`,
        );
        await writeReferenceFiles(simulator.catalog, flags.out);
        ready();
        await generate(simulator, output, { realtime: !backfill, progress, signal });
        await output.close();
      } else {
        const databaseUrl = config().databaseUrl;
        if (databaseUrl !== undefined && !flags["no-reference"])
          await loadReferenceInto(databaseUrl, simulator.catalog);
        const producer = await connectProducer(flags);
        ready();
        const labels = flags.labels === undefined ? undefined : new NdjsonFile(flags.labels);
        try {
          if (backfill) {
            // Every core: the simulation shards on worker threads, merging and production here.
            rejected = (
              await backfillToLog(options, producer, { ...(labels ? { labels } : {}), progress, signal })
            ).rejected;
          } else {
            const edge = new EdgePublisher(producer);
            await generate(simulator, new LogOutput(edge), { realtime: true, progress, signal });
            rejected = edge.rejected;
          }
          await labels?.close();
        } finally {
          await producer.close();
        }
      }
    } finally {
      progress.done();
    }
    const summary = progress.summary();
    log.info(
      { events: summary.count, rejected, seconds: Number(summary.seconds.toFixed(2)) },
      `done: ${summary.count} events in ${summary.seconds.toFixed(1)} s (${Math.round(summary.perSecond)} events/s)`,
    );
  };
  if (metrics !== undefined)
    return runService({
      name: "generator",
      logger: log,
      metrics,
      run: ({ signal, ready }) => run(signal, ready),
    });
  const { signal, dispose } = shutdownSignal(log);
  try {
    await run(signal, () => {});
  } finally {
    dispose();
  }
  return 0;
}

export async function ingestReplay(args: string[]): Promise<number> {
  const flags = parseFlags(args, {
    file: { type: "string" },
    olist: { type: "string" },
    country: { type: "string", default: "USA" },
    speed: { type: "string", default: "0" },
    codec: { type: "string", default: "lz4" },
    ...TOPIC_PREFIX_FLAG,
  });
  if ((flags.file === undefined) === (flags.olist === undefined)) {
    throw new LakehouseError(
      "CONFIG_INVALID",
      "give either --file events.ndjson or --olist DIR (with the Olist CSVs)",
    );
  }
  if (!(COUNTRIES as readonly string[]).includes(flags.country)) {
    throw new LakehouseError(
      "CONFIG_INVALID",
      `--country ${JSON.stringify(flags.country)}: expected one of ${COUNTRIES.join(", ")}`,
    );
  }
  const speed = parseNumber("speed", flags.speed, { integer: false, max: 1e9 });
  const items =
    flags.file !== undefined
      ? readEventsFile(flags.file)
      : await readOlist(flags.olist!, { country: flags.country as Country });
  const producer = await connectProducer(flags);
  const { signal, dispose } = shutdownSignal(log);
  const progress = new Progress({ what: "replay", logger: log });
  try {
    const result = await replay(items, producer, { speed, progress, signal });
    log.info(
      result,
      `replayed: ${result.accepted} accepted, ${result.rejected} to the DLQ, ${result.skipped} skipped`,
    );
  } finally {
    progress.done();
    await producer.close();
    dispose();
  }
  return 0;
}

export async function ingestCollect(args: string[]): Promise<number> {
  const flags = parseFlags(args, {
    port: { type: "string", default: "8081" },
    host: { type: "string", default: "0.0.0.0" },
    "max-body-mb": { type: "string", default: "5" },
    codec: { type: "string", default: "lz4" },
    ...TOPIC_PREFIX_FLAG,
  });
  const { ring: keys, generated } = KeyRing.fromConfig(config().apiKeys);
  if (generated) log.warn(`API_KEYS is not set: development key for this run: ${generated}`);
  const producer = await connectProducer(flags);
  const app = buildCollector({
    producer,
    keys,
    logger: log,
    bodyLimitBytes: parseNumber("max-body-mb", flags["max-body-mb"], { min: 1, max: 1024 }) * 1024 * 1024,
  });
  const port = parseNumber("port", flags.port, { min: 0, max: 65535 });
  return runService({
    name: "collector",
    logger: log,
    run: async ({ signal, ready }) => {
      const address = await listenOn(app, port, flags.host, "--port");
      log.info(`collector listening on ${address} (POST /v1/events, GET /health, GET /metrics)`);
      ready();
      await stopped(signal);
    },
  }).finally(async () => {
    await app.close(); // finishes requests in progress
    await producer.close();
  });
}
