/**
 * What the stream layer's integration tests and benchmark share: a Postgres schema of their
 * own, a seeded dataset (events, products, labels) with watermark sentinels, prefixed topics,
 * producing a file to Kafka, and waiting until a group has processed everything.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { appendFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import { migrate } from "../../core/db/migrate.ts";
import { pgSql, type Sql, type SqlClient } from "../../core/db/sql.ts";
import { retry } from "../../core/retry.ts";
import { KafkaAdmin } from "../../core/eventlog/kafka-admin.ts";
import { KafkaLogConsumer } from "../../core/eventlog/kafka-consumer.ts";
import { KafkaProducer } from "../../core/eventlog/kafka-producer.ts";
import { partitionFor } from "../../core/eventlog/partitioner.ts";
import type { Logger } from "../../core/logger.ts";
import { generate, simulatorFor } from "../../ingest/generate.ts";
import type { HostileCase } from "../../ingest/testing/hostile.ts";
import { FileOutput } from "../../ingest/outputs.ts";
import type { Catalog } from "../../ingest/reference/catalog.ts";
import { writeReferenceFiles } from "../../ingest/reference/write.ts";
import { DEFAULT_TOPIC_OPTIONS, topicSpecs } from "../../ingest/topics.ts";
import { DEFAULT_SESSION_RULES } from "../operators/sessions/rules.ts";
import { sessions } from "../operators/sessions/sessions.ts";
import { ProductCache } from "../postgres/products.ts";
import { loadShardState } from "../postgres/shard-store.ts";
import { DEFAULT_STREAM_OPTIONS, StreamWorker } from "../worker.ts";

export const PARTITIONS = DEFAULT_TOPIC_OPTIONS.partitions;

export interface TestSchema {
  name: string;
  /** DATABASE_URL for a child process: the same database, this schema first on the path. */
  url: string;
  pool: pg.Pool;
  sql: Sql;
  drop(): Promise<void>;
}

/** A fresh schema, migrated, with its own pool. */
export async function testSchema(databaseUrl: string, logger: Logger): Promise<TestSchema> {
  const name = `st_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${name}`);
  await admin.end();
  const url = new URL(databaseUrl);
  url.searchParams.set("options", `-c search_path=${name}`);
  const pool = new pg.Pool({ connectionString: url.toString(), max: 6 });
  pool.on("error", () => {});
  const sql = pgSql(pool);
  await migrate(sql, logger);
  return {
    name,
    url: url.toString(),
    pool,
    sql,
    drop: async () => {
      await pool.query(`DROP SCHEMA ${name} CASCADE`);
      await pool.end();
    },
  };
}

export interface Dataset {
  dir: string;
  /** The simulated events followed by the sentinels, in production order. */
  eventsFile: string;
  productsFile: string;
  labels: Map<string, string[]>;
  /** The end of the simulated period; the sentinels are 3 hours after it. */
  until: number;
  /** Sessions ending before this are closed by the sentinels' watermark. */
  closedBefore: number;
  lines: string[];
  /** The reference data the events were generated from: load it with `loadReference`. */
  catalog: Catalog;
}

/**
 * A seeded backfill written as files (events, products, users, labels), plus one sentinel
 * product view per partition 3 hours after the data: it moves every shard's watermark past the
 * last session, cart and hour, so the tables are final and comparable.
 */
export async function seededDataset(
  dir: string,
  options: {
    seed: number;
    users: number;
    products: number;
    days: number;
    transactionsPerDay: number;
    until: string;
    /** False for datasets too large for one string (a week at full scale): `lines` is then empty. */
    keepLines?: boolean;
  },
): Promise<Dataset> {
  const until = Date.parse(options.until);
  const simulator = simulatorFor({
    seed: options.seed,
    users: options.users,
    products: options.products,
    anomalyRate: 0.01,
    mode: { kind: "backfill", days: options.days, until, transactionsPerDay: options.transactionsPerDay },
  });
  await writeReferenceFiles(simulator.catalog, dir);
  const output = new FileOutput(dir);
  await generate(simulator, output, { realtime: false });
  await output.close();

  const eventsFile = join(dir, "events.ndjson");
  const product = (
    JSON.parse(readFileSync(join(dir, "products.ndjson"), "utf8").split("\n")[0]!) as { product_id: string }
  ).product_id;
  const sentinelAt = new Date(until + 3 * 3_600_000).toISOString();
  const covered = new Set<number>();
  let sentinels = "";
  while (covered.size < PARTITIONS) {
    const user = randomUUID();
    const p = partitionFor(user, PARTITIONS);
    if (covered.has(p)) continue;
    covered.add(p);
    const value = {
      event_id: randomUUID(),
      user_id: user,
      product_id: product,
      session_id: randomUUID(),
      timestamp: sentinelAt,
      duration_seconds: 1,
      category: "sentinel",
    };
    sentinels += `${JSON.stringify({ topic: "product_views", key: user, value })}\n`;
  }
  appendFileSync(eventsFile, sentinels);
  const labels = new Map<string, string[]>();
  for (const line of readFileSync(join(dir, "labels.ndjson"), "utf8").split("\n")) {
    if (!line) continue;
    const l = JSON.parse(line) as { transaction_id: string; anomaly_types: string[] };
    labels.set(l.transaction_id, l.anomaly_types);
  }
  const lines = options.keepLines === false ? [] : readFileSync(eventsFile, "utf8").trim().split("\n");
  return {
    dir,
    eventsFile,
    productsFile: join(dir, "products.ndjson"),
    labels,
    until,
    closedBefore: until + 3_600_000,
    lines,
    catalog: simulator.catalog,
  };
}

export async function createTopics(brokers: string[], prefix: string, logger: Logger): Promise<void> {
  const admin = await KafkaAdmin.connect(brokers, logger, prefix);
  try {
    // A broker that has just started may answer "does not host this topic-partition" for a
    // moment (seen when these tests ran right after services:start); kafkajs marks it retriable.
    const specs = topicSpecs(DEFAULT_TOPIC_OPTIONS);
    await retry(() => admin.createTopics(specs), {
      what: "kafka (creating test topics)",
      logger,
      attempts: 10,
    });
  } finally {
    await admin.close();
  }
}

/** Produces events.ndjson lines (or raw records) to the prefixed topics, acknowledged. */
export async function produceLines(
  producer: KafkaProducer,
  prefix: string,
  lines: readonly string[],
): Promise<void> {
  for (let i = 0; i < lines.length; i += 5000) {
    await producer.send(
      lines.slice(i, i + 5000).map((line) => {
        const e = JSON.parse(line) as { topic: string; key: string; value: unknown };
        return { topic: prefix + e.topic, key: e.key, value: Buffer.from(JSON.stringify(e.value)) };
      }),
    );
  }
}

/** Records produced per (topic, partition), by SPEC name: what the group must reach. */
export function endOffsets(lines: readonly string[]): Map<string, number> {
  const ends = new Map<string, number>();
  for (const line of lines) {
    const e = JSON.parse(line) as { topic: string; key: string };
    const k = `${e.topic}/${partitionFor(e.key, PARTITIONS)}`;
    ends.set(k, (ends.get(k) ?? 0) + 1);
  }
  return ends;
}

/**
 * True once the group's offsets in Postgres reach `ends` and (with `sentinels`) every shard's
 * watermark has closed everything before its sentinel. Errors (Postgres away) count as "not yet".
 */
export async function caughtUp(
  sql: Sql,
  group: string,
  ends: ReadonlyMap<string, number>,
  sentinels = true,
): Promise<boolean> {
  try {
    return await reached(sql, group, ends, sentinels);
  } catch {
    return false;
  }
}

async function reached(sql: Sql, group: string, ends: ReadonlyMap<string, number>, sentinels: boolean) {
  const { rows } = await sql.query<{ topic: string; kafka_partition: number; next_offset: string }>(
    "SELECT topic, kafka_partition, next_offset FROM stream_offsets WHERE group_id = $1",
    [group],
  );
  const at = new Map(rows.map((r) => [`${r.topic}/${r.kafka_partition}`, Number(r.next_offset)]));
  for (const [k, end] of ends) if ((at.get(k) ?? 0) < end) return false;
  if (!sentinels) return true;
  // Every shard holds exactly its sentinel's session once everything before it has closed.
  let open = 0;
  for (let shard = 0; shard < PARTITIONS; shard++)
    open += (await loadShardState(sql, group, shard)).state.keyed(sessions.namespace!).size;
  return open === PARTITIONS;
}

export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

export interface RunningWorker {
  worker: StreamWorker;
  /** Stops polling, commits the batch in flight, leaves the group. */
  stop(): Promise<void>;
}

/** A stream worker in this process over the prefixed topics, until stop(). */
export async function startWorker(options: {
  sql: Sql;
  brokers: string[];
  prefix: string;
  group: string;
  owner: string;
  logger: Logger;
  batchSize?: number;
  idleMs?: number;
}): Promise<RunningWorker> {
  const products = await ProductCache.load(options.sql);
  // Dead letters go to the prefixed dlq.events, as `stream run --topic-prefix` sends them.
  const dlq = await KafkaProducer.connect({
    brokers: options.brokers,
    topicPrefix: options.prefix,
    logger: options.logger,
  });
  const worker = new StreamWorker(
    options.sql,
    products,
    dlq,
    {
      ...DEFAULT_STREAM_OPTIONS,
      group: options.group,
      owner: options.owner,
      sessions: DEFAULT_SESSION_RULES,
      idleMs: options.idleMs ?? 2000,
      batchSize: options.batchSize ?? DEFAULT_STREAM_OPTIONS.batchSize,
    },
    options.logger,
  );
  const consumer = await KafkaLogConsumer.connect({
    brokers: options.brokers,
    group: options.group,
    topicPrefix: options.prefix,
    topics: worker.topics,
    handlers: worker.handlers,
    logger: options.logger,
  });
  const stop = new AbortController();
  const running = worker.run(consumer, stop.signal);
  return {
    worker,
    stop: async () => {
      stop.abort();
      try {
        await running;
      } finally {
        await consumer.close();
        await dlq.close();
      }
    },
  };
}

/**
 * Loads products.ndjson into `products` and `inventory_status` through the Sql port (PGlite has
 * no COPY from a stream; the real loader is ingest/reference/load.ts).
 */
export async function loadProductsFile(sql: Sql, file: string): Promise<void> {
  const products = readFileSync(file, "utf8")
    .trim()
    .split("\n")
    .map(
      (l) =>
        JSON.parse(l) as {
          product_id: string;
          name: string;
          category: string;
          price: number;
          inventory: number;
        },
    );
  await sql.query(
    `INSERT INTO products (product_id, name, category, price, inventory)
     SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::numeric[], $5::int[])`,
    [
      products.map((p) => p.product_id),
      products.map((p) => p.name),
      products.map((p) => p.category),
      products.map((p) => p.price),
      products.map((p) => p.inventory),
    ],
  );
  await sql.query(
    "INSERT INTO inventory_status (product_id, quantity) SELECT product_id, inventory FROM products",
  );
}

/** Records per (topic, partition) when every corpus case is produced under one key. */
export function hostileEnds(corpus: readonly HostileCase[], key: string): Map<string, number> {
  const ends = new Map<string, number>();
  for (const c of corpus) {
    const k = `${c.topic}/${partitionFor(key, PARTITIONS)}`;
    ends.set(k, (ends.get(k) ?? 0) + 1);
  }
  return ends;
}

export interface HostileOutcome {
  /** Dead letters per the field their reason names. */
  deadByField: Record<string, number>;
  ops: { events: number; dlq: number; late: number; duplicates: number };
}

/** What the stream made of the hostile corpus (ingest/testing/hostile.ts), from its tables. */
export async function hostileOutcome(sql: SqlClient): Promise<HostileOutcome> {
  const dead = await sql.query<{ reason: string }>("SELECT reason FROM stream_dead_letters");
  const deadByField: Record<string, number> = {};
  for (const d of dead.rows) {
    const field = d.reason.split(":")[0]!;
    deadByField[field] = (deadByField[field] ?? 0) + 1;
  }
  const ops = await sql.query<HostileOutcome["ops"]>(
    "SELECT sum(events)::int AS events, sum(dlq)::int AS dlq, sum(late)::int AS late, sum(duplicates)::int AS duplicates FROM operational_metrics",
  );
  return { deadByField, ops: ops.rows[0]! };
}

/**
 * What it must make of it: every refused case one dead letter on its field, every record
 * counted, each exact duplicate once. Past the edge, size is Kafka's to bound (1 MiB a record):
 * an oversized but otherwise valid event is taken.
 */
export function expectedHostileOutcome(corpus: readonly HostileCase[]): HostileOutcome {
  const deadByField: Record<string, number> = {};
  let dlq = 0;
  for (const c of corpus) {
    if (c.expect.accepted || c.name.endsWith(" oversized")) continue;
    deadByField[c.expect.field] = (deadByField[c.expect.field] ?? 0) + 1;
    dlq++;
  }
  return {
    deadByField,
    ops: { events: corpus.length, dlq, late: 0, duplicates: corpus.filter((c) => c.duplicateOf).length },
  };
}
