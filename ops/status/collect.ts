/**
 * What `lakehouse status` reports, read from where each fact lives: Kafka (topics, end offsets,
 * the sink's committed offsets, group members), Postgres (the stream's offsets, dead letters,
 * late events), the lake (files and bytes per layer) and the warehouse (batch runs). Each part
 * is read on its own with a time limit: a server that is down is reported, never waited for,
 * and the parts that do not need it are still shown.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { MongoClient } from "mongodb";
import pg from "pg";
import { redactUrl, type Config } from "../../core/config.ts";
import { KafkaAdmin, type PartitionRange } from "../../core/eventlog/kafka-admin.ts";
import type { PartitionOffset } from "../../core/eventlog/port.ts";
import { ALL_TOPICS, DLQ_TOPIC, EVENT_TOPICS } from "../../core/events/topics.ts";
import type { Logger } from "../../core/logger.ts";
import { openStore } from "../../lake/store/open.ts";
import { runHistoryFile, fileRunHistory } from "../../warehouse/runs-file.ts";
import { mongoRunHistory, type BatchRunDoc, type RunHistory } from "../../warehouse/runs.ts";
import { lagByTopic, type TopicLag } from "./lag.ts";

export type ServerName = "kafka" | "postgres" | "lake" | "warehouse";

export interface ServerCheck {
  name: ServerName;
  /** Where it was looked for (credentials removed). */
  target: string;
  state: "up" | "down" | "not configured";
  /** What answered (version), or why it did not. */
  detail: string;
  ms: number;
}

export interface TopicStatus {
  topic: string;
  kafka_topic: string;
  partitions: number;
  /** Next offset per partition, in partition order. */
  end_offsets: number[];
  /** Records still retained. */
  records: number;
}

export interface GroupStatus {
  group: string;
  stage: "stream" | "sink";
  /** Where the group's offsets are read from: the stream commits to Postgres, the sink to Kafka. */
  offsets_in: "postgres" | "kafka";
  /** Members Kafka sees in the group now (0: no worker running). */
  members: number;
  lag: TopicLag[];
  total_lag: number;
}

export interface Status {
  checked_at: string;
  servers: ServerCheck[];
  topics: TopicStatus[];
  groups: GroupStatus[];
  dead_letters: {
    /** Records on the dlq.events topic (edge validation and the stream's copy). */
    dlq_topic_records: number | null;
    /** Per SPEC topic: records the stream decided were dead (exactly once per source record). */
    stream: Record<string, number> | null;
    /** Per SPEC topic: records older than their partition's watermark, kept apart. */
    late: Record<string, number> | null;
  };
  batch_runs:
    Pick<BatchRunDoc, "_id" | "job" | "snapshot_date" | "status" | "duration_ms" | "error">[] | null;
  lake: { uri: string; layers: { layer: string; files: number; bytes: number }[] } | null;
  /** One line per part that could not be read, saying why. */
  problems: string[];
}

export interface StatusOptions {
  cfg: Config;
  /** Put before every SPEC topic name (KAFKA_TOPIC_PREFIX or --topic-prefix). */
  topicPrefix: string;
  streamGroup: string;
  sinkGroup: string;
  logger: Logger;
  /** Longest any one server is waited for. */
  timeoutMs: number;
  now?: Date;
}

const LAYERS = ["bronze", "silver", "gold"] as const;

function within<T>(ms: number, what: string, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const signal = AbortSignal.timeout(ms);
  return Promise.race([
    work(signal),
    new Promise<T>((_, reject) =>
      signal.addEventListener("abort", () => reject(new Error(`${what}: no answer within ${ms} ms`)), {
        once: true,
      }),
    ),
  ]);
}

function groupStatus(
  group: string,
  stage: GroupStatus["stage"],
  members: ReadonlyMap<string, number>,
  lag: TopicLag[],
): GroupStatus {
  return {
    group,
    stage,
    offsets_in: stage === "stream" ? "postgres" : "kafka",
    members: members.get(group) ?? 0,
    lag,
    total_lag: lag.reduce((n, l) => n + l.lag, 0),
  };
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err)).split("\n")[0]!;

export async function collectStatus(o: StatusOptions): Promise<Status> {
  const { cfg, topicPrefix, timeoutMs } = o;
  const status: Status = {
    checked_at: (o.now ?? new Date()).toISOString(),
    servers: [],
    topics: [],
    groups: [],
    dead_letters: { dlq_topic_records: null, stream: null, late: null },
    batch_runs: null,
    lake: null,
    problems: [],
  };

  /** Runs one server's part; a failure marks the server down and the part as not read. */
  const check = async (
    name: ServerName,
    target: string,
    part: (signal: AbortSignal) => Promise<string>,
  ): Promise<void> => {
    const started = performance.now();
    try {
      const detail = await within(timeoutMs, name, part);
      status.servers.push({ name, target, state: "up", detail, ms: Math.round(performance.now() - started) });
    } catch (err) {
      status.servers.push({
        name,
        target,
        state: "down",
        detail: message(err),
        ms: Math.round(performance.now() - started),
      });
      status.problems.push(`${name} (${target}): ${message(err)}`);
    }
  };
  const notConfigured = (name: ServerName, detail: string) =>
    status.servers.push({ name, target: "-", state: "not configured", detail, ms: 0 });

  // Kafka first: the stream's lag needs its end offsets.
  let ranges: Map<string, PartitionRange[]> | undefined;
  const kafkaNames = new Map<string, string>();
  let sinkCommitted: PartitionOffset[] | undefined;
  const members = new Map<string, number>();
  const brokers = cfg.kafkaBrokers;
  if (brokers === undefined)
    notConfigured("kafka", "KAFKA_BROKERS is not set (the embedded demo keeps its log in-process)");
  else
    await check("kafka", brokers.join(","), async () => {
      const admin = await KafkaAdmin.connectOnce(brokers, o.logger, topicPrefix);
      try {
        ranges = await admin.partitionOffsets(ALL_TOPICS);
        for (const t of ALL_TOPICS) kafkaNames.set(t, admin.kafkaTopic(t));
        sinkCommitted = await admin.groupOffsets(
          o.sinkGroup,
          ALL_TOPICS.filter((t) => ranges!.has(t)),
        );
        for (const group of [o.streamGroup, o.sinkGroup])
          members.set(group, (await admin.groupMembers(group)).members.length);
        return `${ranges.size} of ${ALL_TOPICS.length} topics`;
      } finally {
        await admin.close();
      }
    });
  if (ranges) {
    for (const topic of ALL_TOPICS) {
      const parts = ranges.get(topic);
      const kafkaTopic = kafkaNames.get(topic)!;
      if (!parts) {
        status.problems.push(`topic ${kafkaTopic} does not exist: run lakehouse topics create`);
        continue;
      }
      status.topics.push({
        topic,
        kafka_topic: kafkaTopic,
        partitions: parts.length,
        end_offsets: parts.map((p) => p.high),
        records: parts.reduce((n, p) => n + p.high - p.low, 0),
      });
    }
    status.dead_letters.dlq_topic_records = status.topics.find((t) => t.topic === DLQ_TOPIC)?.records ?? 0;
    status.groups.push(
      groupStatus(o.sinkGroup, "sink", members, lagByTopic(ALL_TOPICS, ranges, sinkCommitted ?? [])),
    );
  }

  const url = cfg.databaseUrl;
  if (url === undefined) notConfigured("postgres", "DATABASE_URL is not set (the embedded demo uses PGlite)");
  else
    await check("postgres", redactUrl(url), async () => {
      const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
      client.on("error", () => {});
      await client.connect();
      try {
        const version = await client.query<{ server_version: string }>("SHOW server_version");
        const offsets = await client.query<{ topic: string; kafka_partition: number; next_offset: string }>(
          "SELECT topic, kafka_partition, next_offset FROM stream_offsets WHERE group_id = $1",
          [o.streamGroup],
        );
        const perTopic = async (table: string) =>
          Object.fromEntries(
            (
              await client.query<{ topic: string; n: string }>(
                `SELECT topic, count(*) AS n FROM ${table} GROUP BY topic ORDER BY topic`,
              )
            ).rows.map((r) => [r.topic, Number(r.n)]),
          );
        status.dead_letters.stream = await perTopic("stream_dead_letters");
        status.dead_letters.late = await perTopic("late_events");
        if (ranges) {
          const committed = offsets.rows.map((r) => ({
            topic: r.topic,
            partition: r.kafka_partition,
            offset: Number(r.next_offset),
          }));
          status.groups.unshift(
            groupStatus(o.streamGroup, "stream", members, lagByTopic(EVENT_TOPICS, ranges, committed)),
          );
        }
        return `PostgreSQL ${version.rows[0]?.server_version ?? "?"}`;
      } finally {
        await client.end();
      }
    });

  await check("lake", cfg.lake.uri, async (signal) => {
    const store = openStore(o.logger, signal, cfg);
    try {
      const layers = [];
      for (const layer of LAYERS) {
        const objects = (await store.list(`${layer}/`)).filter((f) => f.key.endsWith(".parquet"));
        layers.push({ layer, files: objects.length, bytes: objects.reduce((n, f) => n + f.size, 0) });
      }
      status.lake = { uri: cfg.lake.uri, layers };
      return `${layers.reduce((n, l) => n + l.files, 0)} Parquet files`;
    } finally {
      await store.close();
    }
  });

  const readRuns = async (history: RunHistory) =>
    (status.batch_runs = (await history.list({ limit: 5 })).map((r) => ({
      _id: r._id,
      job: r.job,
      snapshot_date: r.snapshot_date,
      status: r.status,
      duration_ms: r.duration_ms,
      ...(r.error ? { error: r.error } : {}),
    })));
  const mongoUrl = cfg.mongoUrl;
  if (mongoUrl !== undefined)
    await check("warehouse", redactUrl(mongoUrl), async () => {
      const client = new MongoClient(mongoUrl, {
        serverSelectionTimeoutMS: timeoutMs,
        connectTimeoutMS: timeoutMs,
      });
      try {
        await client.connect();
        const info = await client.db("admin").command({ buildInfo: 1 });
        await readRuns(mongoRunHistory(client.db()));
        const ferret = info.ferretdbVersion as string | undefined;
        return ferret ? `FerretDB ${ferret}` : `MongoDB ${String(info.version)}`;
      } finally {
        await client.close();
      }
    });
  else {
    const gold = join(cfg.dataDir, "warehouse", "gold.duckdb");
    await check("warehouse", gold, async () => {
      await readRuns(fileRunHistory(runHistoryFile(cfg.dataDir)));
      return existsSync(gold) ? "DuckDB gold file" : "no gold yet (no batch has published)";
    });
  }
  return status;
}
