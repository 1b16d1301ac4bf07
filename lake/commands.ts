/** The lake commands of the `lakehouse` CLI: `sink run` and `lake compact` (SPEC sections 5, 7). */
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  metricsAddress,
  metricsFlags,
  parseDuration,
  parseFlags,
  parseNumber,
  TOPIC_PREFIX_FLAG,
  topicPrefixOf,
} from "../cli/args.ts";
import { runService } from "../core/service.ts";
import { config } from "../core/config.ts";
import { LakehouseError } from "../core/errors.ts";
import { SINK_GROUP } from "../core/eventlog/groups.ts";
import { kafkaJoin } from "../core/eventlog/kafka-consumer.ts";
import { componentLogger } from "../core/logger.ts";
import { BronzeWriter } from "./sink/bronze-writer.ts";
import { startLakeSink } from "./sink/start.ts";
import { DEFAULT_ROTATION } from "./sink/topic-batch.ts";
import { openStore } from "./store/open.ts";
import { compactLake } from "./compact.ts";

const log = componentLogger("lake");

export async function sinkRun(args: string[]): Promise<number> {
  const flags = parseFlags(args, {
    group: { type: "string", default: SINK_GROUP },
    "max-delay": { type: "string", default: `${DEFAULT_ROTATION.maxDelayMs / 1000}s` },
    "max-rows": { type: "string", default: String(DEFAULT_ROTATION.maxRows) },
    "max-mb": { type: "string", default: String(DEFAULT_ROTATION.maxBytes / 1024 / 1024) },
    "work-dir": { type: "string" },
    ...TOPIC_PREFIX_FLAG,
    "instance-id": { type: "string" },
    "max-restarts": { type: "string", default: "5" },
    ...metricsFlags(9465),
  });
  const brokers = config().kafkaBrokers;
  if (!brokers)
    throw new LakehouseError(
      "CONFIG_INVALID",
      "KAFKA_BROKERS is not set: the standalone sink reads Kafka (the in-process log runs inside `lakehouse demo`)",
    );
  const rotation = {
    maxDelayMs: parseDuration("max-delay", flags["max-delay"]),
    maxRows: parseNumber("max-rows", flags["max-rows"], { min: 1 }),
    maxBytes: parseNumber("max-mb", flags["max-mb"], { min: 1, max: 4096 }) * 1024 * 1024,
  };
  const topicPrefix = topicPrefixOf(flags);
  return runService({
    name: "lake sink",
    logger: log,
    metrics: metricsAddress(flags),
    maxRestarts: parseNumber("max-restarts", flags["max-restarts"], { min: 0 }),
    run: async ({ signal, ready }) => {
      const store = openStore(log, signal);
      const workDir = flags["work-dir"] ?? (await mkdtemp(join(tmpdir(), "lakehouse-sink-")));
      const writer = await BronzeWriter.open(workDir);
      try {
        const join = kafkaJoin(
          { brokers, topicPrefix, group: flags.group, instanceId: flags["instance-id"], logger: log },
          signal,
        );
        const sink = await startLakeSink(
          { group: flags.group, store, writer, rotation, logger: log, join },
          signal,
        );
        ready();
        const stats = await sink.done;
        log.info(
          stats,
          `lake sink stopped: ${stats.rows} rows, ${stats.rejected} rejected, ${stats.files} files`,
        );
      } finally {
        writer.close();
        await store.close();
      }
    },
  });
}

export async function lakeCompact(args: string[]): Promise<number> {
  const flags = parseFlags(args, {
    date: { type: "string" },
    grace: { type: "string", default: "2h" },
  });
  if (flags.date !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(flags.date))
    throw new LakehouseError("CONFIG_INVALID", `--date ${JSON.stringify(flags.date)}: expected YYYY-MM-DD`);
  const grace = parseDuration("grace", flags.grace);
  const store = openStore(log);
  try {
    const stats = await compactLake(store, {
      date: flags.date,
      closedBefore: Date.now() - grace,
      workDir: await mkdtemp(join(tmpdir(), "lakehouse-compact-")),
      logger: log,
    });
    log.info(
      stats,
      `compacted ${stats.merged} of ${stats.hours} closed hours (${stats.rows} rows, ${stats.removed} files removed)`,
    );
    return 0;
  } finally {
    await store.close();
  }
}
