/**
 * The chaos run (issue 18): the whole pipeline on the real local servers (producers in real
 * time, part of them through the HTTP collector; two stream workers; the lake sink; the batch
 * for each closed day; the API under a steady read load), while a seeded schedule kills
 * processes, stops servers, pauses a worker past its session timeout and makes the lake
 * unwritable. At the end, with everything caught up, the end state is checked against what was
 * accepted (verify.ts), and the report says how long each stage took to move again after
 * each fault.
 */
import { randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { MongoClient } from "mongodb";
import { KafkaAdmin, type PartitionRange } from "../../core/eventlog/kafka-admin.ts";
import { KafkaProducer } from "../../core/eventlog/kafka-producer.ts";
import { ALL_TOPICS, EVENT_TOPICS } from "../../core/events/topics.ts";
import { LAKE_BUCKET, localServers } from "../../core/local-servers.ts";
import { createLogger } from "../../core/logger.ts";
import { loadReference } from "../../ingest/reference/load.ts";
import { S3Store } from "../../lake/store/s3-store.ts";
import { caughtUp, createTopics, seededDataset, testSchema, waitFor } from "../../stream/testing/harness.ts";
import { Injector } from "./inject.ts";
import { Feeder } from "./feeder.ts";
import { apiLoad, firstAfter, progressSampler, recoveredAfter, type ApiAnswer } from "./probes.ts";
import { faultName, schedule, scheduleEnd, type ScheduledFault } from "./schedule.ts";
import { Supervisor, type ServiceSpec } from "./supervisor.ts";
import {
  checkApi,
  checkLake,
  checkWarehouse,
  streamDiff,
  type ApiReport,
  type LakeReport,
} from "./verify.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface ChaosOptions {
  seed: number;
  /** Events per second the producers aim for (the dataset is sized to last the schedule). */
  rate: number;
  kills: number;
  outageMs: number;
  pauseMs: number;
  settleMs: number;
  startMs: number;
  /**
   * The longest a stage may take to move again after a fault is lifted while events still
   * flow; longer fails the run (a stage that waits forever still ends "caught up" otherwise).
   */
  maxRecoveryMs: number;
  /** Where datasets, logs and work directories go (a subdirectory per run). */
  workDir: string;
  /** Progress lines while the run goes. */
  log: (line: string) => void;
  /**
   * Given, once there is something to undo, what an interrupted run must do before it exits:
   * stop its processes and lift every fault (restart a stopped server, make the lake writable).
   */
  onInterrupt?: (undo: () => Promise<void>) => void;
}

/** Every fault kind once with short outages: the CI variant (chaos.integration.test.ts, `chaos.ts --short`). */
export const SHORT_RUN = {
  seed: 7,
  rate: 2000,
  kills: 5,
  outageMs: 10_000,
  pauseMs: 26_000,
  settleMs: 10_000,
  startMs: 15_000,
  maxRecoveryMs: 90_000,
} satisfies Omit<ChaosOptions, "workDir" | "log">;

export type Stage = "stream" | "sink" | "collector" | "api" | "batch";
export const STAGES: readonly Stage[] = ["stream", "sink", "collector", "api", "batch"];

export interface FaultRecord {
  name: string;
  kind: ScheduledFault["fault"]["kind"];
  startedAt: number;
  /** When the fault was lifted: the server answered again, the worker resumed, the kill landed. */
  liftedAt: number;
  /** Milliseconds from `liftedAt` until each stage moved again (undefined: not measured). */
  recovery: Partial<Record<Stage, number>>;
}

export interface ChaosReport {
  run: string;
  dir: string;
  seconds: number;
  /** When the last accepted event was acknowledged (epoch ms). */
  feedEndedAt: number;
  /**
   * When the feeder had offered its last event (epoch ms). Acknowledgements can come much later
   * (a Kafka stop at the end), while the stream has long read every event: a fault lifted after
   * this has nothing left to recover for.
   */
  feedOfferedAllAt: number;
  faults: FaultRecord[];
  /** Lines acknowledged by Kafka (producer) or the collector. */
  accepted: number;
  direct: number;
  collector: number;
  collectorDuplicates: number;
  producerRetries: number;
  kafkaRecords: number;
  lake: LakeReport;
  streamRows: number;
  streamWrong: Record<string, { extra: number; missing: number }>;
  warehouse: Awaited<ReturnType<typeof checkWarehouse>>;
  api: ApiReport;
  restarts: Record<string, number>;
  /** Each restart a service made inside its process after a failure, with the reason. */
  inProcess: string[];
  /** Every check that failed, in words; empty when the run passed. */
  problems: string[];
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** For each simulated day, the index of its last line in the events file (sentinels excluded). */
async function lastLinePerDay(eventsFile: string, until: number): Promise<[string, number][]> {
  const last = new Map<string, number>();
  let i = 0;
  const lines = createInterface({ input: createReadStream(eventsFile), crlfDelay: Infinity });
  for await (const line of lines) {
    if (!line) continue;
    const at = /"timestamp":"([^"]+)"/.exec(line)?.[1];
    if (at && Date.parse(at) < until) last.set(at.slice(0, 10), i);
    i++;
  }
  return [...last].sort((a, b) => (a[0] < b[0] ? -1 : 1));
}

export async function chaosRun(o: ChaosOptions): Promise<ChaosReport> {
  const logger = createLogger({ level: "silent" });
  const servers = localServers();
  const run = randomBytes(3).toString("hex");
  const dir = join(o.workDir, `chaos-${run}`);
  const logDir = join(dir, "logs");
  await mkdir(logDir, { recursive: true });
  await mkdir(join(dir, "data"), { recursive: true });
  const prefix = `chaos-${run}.`;
  const streamGroup = `chaos-${run}-stream`;
  const sinkGroup = `chaos-${run}-sink`;
  const mongoDb = `chaos_${run}`;
  const lakePrefix = `${prefix}lake`;
  // Where services.sh keeps MinIO's data: the lake-unwritable fault works on its directory.
  const cache =
    process.env.LAKEHOUSE_CACHE ??
    join(process.env.XDG_CACHE_HOME ?? join(process.env.HOME ?? "/root", ".cache"), "lakehouse");
  const lakeDir = join(cache, "run/minio", LAKE_BUCKET, lakePrefix);
  const started = Date.now();
  o.log(`run ${run}: logs in ${logDir}`);

  const faults = schedule({
    seed: o.seed,
    kills: o.kills,
    outageMs: o.outageMs,
    pauseMs: o.pauseMs,
    settleMs: o.settleMs,
    startMs: o.startMs,
  });
  const feedSeconds = scheduleEnd(faults, o.settleMs) / 1000 + 10;
  // ~5.3 events per transaction in the simulator; two days, so one closes mid-run.
  const perDay = Math.ceil((o.rate * feedSeconds) / 2 / 5.3);
  const ds = await seededDataset(join(dir, "data"), {
    seed: o.seed,
    users: Math.max(2000, Math.round(perDay / 2)),
    products: 2000,
    days: 2,
    transactionsPerDay: perDay,
    until: "2026-11-03T00:00:00Z",
    keepLines: false,
  });
  const days = await lastLinePerDay(ds.eventsFile, ds.until);
  const lines = days.at(-1)![1] + 1 + 6;
  const rate = Math.round(lines / feedSeconds);
  o.log(`dataset: ${lines} events over ${days.map((d) => d[0]).join(", ")}; ${rate}/s for ${feedSeconds} s`);

  const schema = await testSchema(servers.databaseUrl, logger);
  await loadReference(schema.pool, ds.catalog);
  await createTopics(servers.kafkaBrokers, prefix, logger);
  const admin = await KafkaAdmin.connect(servers.kafkaBrokers, logger, prefix);
  const producer = await KafkaProducer.connect({
    brokers: servers.kafkaBrokers,
    logger,
    topicPrefix: prefix,
    clientId: `chaos-${run}`,
  });
  const [collectorPort, apiPort] = [await freePort(), await freePort()];
  const ingestKey = `ingest-${run}`;
  const readKey = `reader-${run}`;
  const mongoUrl = new URL(servers.mongoUrl);
  mongoUrl.pathname = `/${mongoDb}`;
  const env = (name: string): Record<string, string> => ({
    DATABASE_URL: schema.url,
    KAFKA_BROKERS: servers.kafkaBrokers.join(","),
    KAFKA_TOPIC_PREFIX: prefix,
    LAKE_URI: `s3://${LAKE_BUCKET}/${lakePrefix}`,
    S3_ENDPOINT: servers.s3.endpoint,
    S3_ACCESS_KEY_ID: servers.s3.accessKeyId,
    S3_SECRET_ACCESS_KEY: servers.s3.secretAccessKey,
    MONGO_URL: mongoUrl.toString(),
    DATA_DIR: join(dir, "state", name),
    API_KEYS: `ingest:${ingestKey}:events:write,reader:${readKey}:realtime:read+warehouse:read`,
    API_RATE_LIMIT: "0",
    LOG_LEVEL: "info",
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
  });
  const spec = (name: string, args: string[]): ServiceSpec => ({ name, args, env: env(name) });
  const supervisor = new Supervisor(logDir);
  const store = new S3Store(LAKE_BUCKET, lakePrefix, servers.s3, logger);
  const mongo = new MongoClient(servers.mongoUrl);

  // Batches run one at a time, each to success (a killed or failed run is started again).
  let batchChain: Promise<unknown> = Promise.resolve();
  const batchRuns = new Map<string, Promise<number>>();
  const batch = (date: string) => {
    const name = `batch-${batchRuns.size + 1}`;
    const done = batchChain.then(() => supervisor.runToSuccess(spec(name, ["batch", "run", "--date", date])));
    batchRuns.set(name, done);
    batchChain = done.catch(() => {});
    return { name, done };
  };
  const injector = new Injector({
    supervisor,
    lakeDir,
    batch,
    batchRun: (name) => batchRuns.get(name),
    firstDay: days[0]![0],
  });

  o.onInterrupt?.(async () => {
    await supervisor.stopAll();
    await injector.restore(o.log);
  });
  try {
    supervisor.start(spec("collector", ["ingest", "collect", "--port", String(collectorPort)]));
    for (const id of ["a", "b"])
      supervisor.start(
        spec(`stream-${id}`, [
          "stream",
          "run",
          "--group",
          streamGroup,
          "--instance-id",
          `stream-${id}`,
          "--metrics-port",
          "0",
          "--idle",
          "2s",
        ]),
      );
    supervisor.start(
      spec("sink", [
        "sink",
        "run",
        "--group",
        sinkGroup,
        "--instance-id",
        "sink-1",
        "--max-delay",
        "5s",
        "--metrics-port",
        "0",
        "--work-dir",
        join(dir, "state", "sink-work"),
      ]),
    );
    supervisor.start(spec("api", ["api", "--port", String(apiPort), "--host", "127.0.0.1"]));
    const answers = async (url: string) => {
      const deadline = Date.now() + 120_000;
      for (;;) {
        const ok = await fetch(url, { signal: AbortSignal.timeout(2000) })
          .then((r) => r.status < 500)
          .catch(() => false);
        if (ok) return;
        if (Date.now() > deadline) throw new Error(`${url} never answered (see ${logDir})`);
        await sleep(500);
      }
    };
    await answers(`http://127.0.0.1:${collectorPort}/health`);
    await answers(`http://127.0.0.1:${apiPort}/health`);
    o.log(`collector :${collectorPort}, api :${apiPort}, two stream workers and the sink started`);

    const feeder = new Feeder({
      eventsFile: ds.eventsFile,
      acceptedFile: join(dir, "accepted.ndjson"),
      ratePerSecond: rate,
      producer,
      collectorUrl: `http://127.0.0.1:${collectorPort}/v1/events`,
      apiKey: ingestKey,
      collectorPartitions: new Set([0, 1]),
    });
    const t0 = Date.now();
    const feeding = feeder.run();
    const load = apiLoad(`http://127.0.0.1:${apiPort}`, readKey, 20);
    const sampler = progressSampler({
      sql: schema.sql,
      connectAdmin: () => KafkaAdmin.connectOnce(servers.kafkaBrokers, logger, prefix),
      streamGroup,
      sinkGroup,
      topics: ALL_TOPICS,
    });

    // The sink has everything Kafka held at `ends` (its committed offsets are past them).
    const sinkReached = async (ends: Map<string, PartitionRange[]>) => {
      const offsets = await admin.groupOffsets(sinkGroup, ALL_TOPICS);
      const at = new Map(offsets.map((p) => [`${p.topic}/${p.partition}`, p.offset]));
      for (const [topic, ranges] of ends)
        for (const r of ranges)
          if (r.high > 0 && (at.get(`${topic}/${r.partition}`) ?? -1) < r.high) return false;
      return true;
    };
    const kafkaEnds = () => admin.partitionOffsets(ALL_TOPICS);
    // A check that fails (its server is away) counts as "not yet".
    const until = (what: string, check: () => Promise<boolean>, ms: number) =>
      waitFor(what, () => check().catch(() => false), ms);

    // Each day's batch, once its last event was accepted and the sink has written it all.
    const dayBatches = (async () => {
      for (const [date, lastIndex] of days) {
        await until(`the feed past ${date}`, async () => feeder.ackedPrefix() > lastIndex, 3_600_000);
        const ends = await (async () => {
          for (;;) {
            try {
              return await kafkaEnds();
            } catch {
              await sleep(1000);
            }
          }
        })();
        await until(`the sink through ${date}`, () => sinkReached(ends), 1_800_000);
        o.log(`day ${date} is in the lake: batch`);
        await batch(date).done;
        o.log(`batch ${date} succeeded`);
      }
    })();

    const records: FaultRecord[] = [];
    let feedEnded = Infinity;
    const batchRecoveries: { record: FaultRecord; done: Promise<unknown> }[] = [];
    try {
      // A fault that took longer than planned (a batch to reach publishing) moves the rest later,
      // so each still gets its quiet time before the next.
      let late = 0;
      for (const f of faults) {
        const wait = t0 + late + f.at - Date.now();
        if (wait > 0) await sleep(wait);
        else late -= wait;
        const name = faultName(f.fault);
        const record: FaultRecord = {
          name,
          kind: f.fault.kind,
          startedAt: Date.now(),
          liftedAt: 0,
          recovery: {},
        };
        o.log(
          `+${Math.round((Date.now() - t0) / 1000)} s: ${name}${f.holdMs ? ` for ${f.holdMs / 1000} s` : ""}`,
        );
        const done = await injector.inject(f, name);
        record.name = done.name;
        record.liftedAt = done.liftedAt;
        if (done.batchRun) batchRecoveries.push({ record, done: done.batchRun });
        records.push(record);
      }
      o.log(`faults done at +${Math.round((Date.now() - t0) / 1000)} s; waiting for the feed to end`);
      await feeding;
      feedEnded = Date.now();
      o.log(`feed done: ${feeder.direct.accepted + feeder.collector.accepted} accepted`);
      const ends = await kafkaEnds();
      const streamEnds = new Map<string, number>();
      for (const t of EVENT_TOPICS)
        for (const r of ends.get(t) ?? []) streamEnds.set(`${t}/${r.partition}`, r.high);
      await until("the stream to catch up", () => caughtUp(schema.sql, streamGroup, streamEnds), 900_000);
      await until("the sink to catch up", () => sinkReached(ends), 900_000);
      await dayBatches;
      for (const b of batchRecoveries) {
        await b.done;
      }
      o.log("everything caught up");
    } finally {
      await injector.restore(o.log);
      await load.stop();
      await sampler.stop();
      feeder.stop();
    }

    // Recovery of each stage after each fault: the first time it moved after the fault was lifted.
    const ok = (a: ApiAnswer) => a.status >= 200 && a.status < 300;
    const okTimes = load.answers.filter(ok).map((a) => a.at);
    for (const r of records) {
      r.recovery.stream = recoveredAfter(sampler.samples, "stream", r.liftedAt);
      r.recovery.sink = recoveredAfter(sampler.samples, "sink", r.liftedAt);
      r.recovery.collector = firstAfter(feeder.collector.acks, r.liftedAt);
      r.recovery.api = firstAfter(okTimes, r.liftedAt);
    }
    const stalled: string[] = [];
    for (const r of records)
      if (r.liftedAt + o.maxRecoveryMs < feedEnded)
        for (const stage of ["stream", "sink", "collector"] as const) {
          const ms = r.recovery[stage];
          if (ms === undefined || ms > o.maxRecoveryMs)
            stalled.push(
              `${stage} did not move for ${ms === undefined ? "ever" : `${Math.round(ms / 1000)} s`} after ${r.name}`,
            );
        }
    for (const b of batchRecoveries) {
      const end = supervisor.exits.find((e) => e.at > b.record.liftedAt && e.code === 0);
      if (end) b.record.recovery.batch = end.at - b.record.liftedAt;
    }
    const restarts: Record<string, number> = {};
    for (const e of supervisor.exits) restarts[e.name] = (restarts[e.name] ?? 0) + 1;
    // Restarts inside a process (runService after a failure), with their reasons, from the logs.
    const inProcess: string[] = [];
    for (const name of ["collector", "stream-a", "stream-b", "sink", "api"]) {
      const text = await readFile(join(logDir, `${name}.log`), "utf8").catch(() => "");
      for (const m of text.matchAll(/"msg":"[^"]* failed \(([^"]{0,120})\); restart \d+ of \d+/g))
        inProcess.push(`${name}: ${m[1]}`);
    }
    // A long-running service waits out a server outage: the only exits allowed are the kills.
    const unplanned = supervisor.exits.filter((e) => !e.name.startsWith("batch-") && e.signal !== "SIGKILL");
    await supervisor.stopAll();

    o.log("checking the end state");
    const problems: string[] = [];
    const finalEnds = await kafkaEnds();
    const kafkaRecords = [...finalEnds.values()].flat().reduce((n, r) => n + r.high - r.low, 0);
    const { diff, rows: streamRows } = await streamDiff({
      sql: schema.sql,
      acceptedFile: join(dir, "accepted.ndjson"),
      productsFile: ds.productsFile,
      closedBefore: ds.closedBefore,
    });
    const streamWrong: ChaosReport["streamWrong"] = {};
    for (const [t, d] of Object.entries(diff))
      if (d.extra.length + d.missing.length > 0) {
        streamWrong[t] = { extra: d.extra.length, missing: d.missing.length };
        problems.push(
          `stream ${t}: ${d.missing.length} rows missing, ${d.extra.length} extra (e.g. ${[...d.missing, ...d.extra][0]})`,
        );
      }
    const lake = await checkLake({
      store,
      cacheDir: join(dir, "lake-cache"),
      acceptedFile: join(dir, "accepted.ndjson"),
      ends: finalEnds,
    });
    for (const k of [
      "missingRecords",
      "doubledRecords",
      "overlappingFiles",
      "lostEvents",
      "unknownEvents",
    ] as const)
      if (lake[k] > 0) problems.push(`lake: ${k} = ${lake[k]}`);
    await mongo.connect();
    const warehouse = await checkWarehouse({
      db: mongo.db(mongoDb),
      acceptedFile: join(dir, "accepted.ndjson"),
      productsFile: ds.productsFile,
      lastDay: days.at(-1)![0],
    });
    if (warehouse.snapshot !== days.at(-1)![0]) problems.push(`warehouse: snapshot ${warehouse.snapshot}`);
    if (warehouse.rfmWrong > 0) problems.push(`warehouse: ${warehouse.rfmWrong} RFM customers differ`);
    if (warehouse.salesWrong > 0)
      problems.push(`warehouse: ${warehouse.salesWrong} daily sales cells differ`);
    for (const r of feeder.collector.refused.slice(0, 3))
      problems.push(`collector refused a valid event: ${r}`);
    problems.push(...stalled);
    for (const e of unplanned)
      problems.push(`${e.name} exited by itself (code ${e.code}, signal ${e.signal})`);

    // Before the first batch has published, a warehouse route has nothing to serve: 404.
    const firstPublish =
      supervisor.exits.find((e) => e.name.startsWith("batch-") && e.code === 0)?.at ?? Infinity;
    const api = checkApi(load.answers, records, firstPublish, t0);
    for (const u of api.unexpected.slice(0, 5)) problems.push(`api: ${u}`);
    if (api.unexpected.length > 5) problems.push(`api: ${api.unexpected.length - 5} more unexpected answers`);
    const report: ChaosReport = {
      run,
      dir,
      seconds: Math.round((Date.now() - started) / 1000),
      feedEndedAt: feedEnded,
      feedOfferedAllAt: feeder.offeredAllAt ?? feedEnded,
      faults: records,
      accepted: feeder.direct.accepted + feeder.collector.accepted + feeder.collector.duplicates,
      direct: feeder.direct.accepted,
      collector: feeder.collector.accepted,
      collectorDuplicates: feeder.collector.duplicates,
      producerRetries: feeder.direct.retries + feeder.collector.retries,
      kafkaRecords,
      lake,
      streamRows,
      streamWrong,
      warehouse,
      api,
      restarts,
      inProcess,
      problems,
    };
    await writeFile(
      join(logDir, "report.json"),
      JSON.stringify({ report, samples: sampler.samples, t0, exits: supervisor.exits }),
    );
    if (problems.length === 0) await cleanUp();
    return report;
  } finally {
    await supervisor.stopAll();
    await injector.restore(o.log);
    await producer.close().catch(() => {});
    await admin.close().catch(() => {});
    await mongo.close().catch(() => {});
    await store.close().catch(() => {});
    await schema.pool.end().catch(() => {});
  }

  /** A passing run leaves nothing behind: its topics, schema, lake prefix, database and files. */
  async function cleanUp() {
    await admin.deleteTopicsWithPrefix(prefix).catch(() => []);
    await schema.pool.query(`DROP SCHEMA ${schema.name} CASCADE`).catch(() => {});
    await mongo
      .db(mongoDb)
      .dropDatabase()
      .catch(() => {});
    const keys = (await store.list("").catch(() => [])).map((k) => k.key);
    for (let i = 0; i < keys.length; i += 1000) await store.delete(keys.slice(i, i + 1000)).catch(() => {});
    // The logs and the report stay (a few MB): a passing run's recoveries are worth reading too.
    for (const big of ["data", "state", "lake-cache", "accepted.ndjson"])
      await rm(join(dir, big), { recursive: true, force: true });
  }
}
