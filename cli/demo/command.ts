/**
 * `lakehouse demo` (`npm start`, SPEC section 2): the whole pipeline in one process on the
 * embedded adapters, the same code the full stack runs as separate services. The in-process log
 * (journaled under DATA_DIR) feeds the stream worker (PGlite) and the lake sink (a local
 * directory); each closed day is built by the batch into the DuckDB gold warehouse; the API
 * serves it all. Ctrl-C stops every stage after its commit in flight; starting again resumes.
 */
import { mkdir, mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseFlags, parseNumber } from "../args.ts";
import { KeyRing } from "../../core/api-keys.ts";
import { config } from "../../core/config.ts";
import { migrate } from "../../core/db/migrate.ts";
import { openPglite } from "../../core/db/pglite-sql.ts";
import { LakehouseError, listenOn } from "../../core/errors.ts";
import { SINK_GROUP } from "../../core/eventlog/groups.ts";
import { MemoryLog } from "../../core/eventlog/memory-log.ts";
import type { RebalanceHandlers } from "../../core/eventlog/port.ts";
import { ALL_TOPICS } from "../../core/events/topics.ts";
import { componentLogger } from "../../core/logger.ts";
import { shutdownSignal } from "../../core/shutdown.ts";
import { loadReferenceSql } from "../../ingest/reference/load-sql.ts";
import { writeReferenceFiles } from "../../ingest/reference/write.ts";
import type { FastifyInstance } from "fastify";
import { buildCollector, type CollectorOptions } from "../../ingest/collector/server.ts";
import { BronzeWriter } from "../../lake/sink/bronze-writer.ts";
import { startLakeSink } from "../../lake/sink/start.ts";
import { DEFAULT_ROTATION } from "../../lake/sink/topic-batch.ts";
import { FileStore } from "../../lake/store/file-store.ts";
import { DEFAULT_SESSION_RULES } from "../../stream/operators/sessions/rules.ts";
import { startStreamWorker } from "../../stream/start.ts";
import { DEFAULT_STREAM_OPTIONS } from "../../stream/worker.ts";
import { fileRunHistory } from "../../warehouse/runs-file.ts";
import { WAREHOUSE_TABLES } from "../../batch/models.ts";
import { buildApi, settingsOf } from "../../api/server.ts";
import { cachedWarehouse, PUBLISH_WATCH_MS } from "../../api/stores/snapshot-cache.ts";
import { DuckDbWarehouse } from "../../api/stores/duckdb-warehouse.ts";
import { pgliteRealtime } from "../../api/stores/realtime.ts";
import { DayBatches } from "./batch-days.ts";
import { backfill, backfillSimulator, realtime } from "./producer.ts";
import { demoPaths, loadState, resetDemo, saveState } from "./state.ts";

const log = componentLogger("demo");
const DAY = 86_400_000;

function sum(lag: Map<string, number>): number {
  let n = 0;
  for (const v of lag.values()) n += v;
  return n;
}

/** The HTTP collector on `port` when the flag is given (0 = any free port). */
async function startCollector(
  portFlag: string | undefined,
  host: string,
  options: Omit<CollectorOptions, "maxEvents">,
): Promise<{ app: FastifyInstance; address: string } | undefined> {
  if (portFlag === undefined) return undefined;
  const port = parseNumber("collector-port", portFlag, { min: 0, max: 65535 });
  const app = buildCollector(options);
  try {
    return { app, address: await listenOn(app, port, host, "--collector-port") };
  } catch (err) {
    await app.close();
    throw err;
  }
}

export async function demoCommand(args: string[]): Promise<number> {
  const cfg = config();
  const flags = parseFlags(args, {
    days: { type: "string", default: "3" },
    users: { type: "string", default: "20000" },
    products: { type: "string", default: "2000" },
    "per-day": { type: "string", default: "5000" },
    seed: { type: "string", default: "42" },
    rate: { type: "string", default: "50" },
    port: { type: "string", default: String(cfg.apiPort) },
    host: { type: "string", default: "127.0.0.1" },
    "collector-port": { type: "string" },
    reset: { type: "boolean", default: false },
  });
  if (cfg.lake.kind !== "file")
    throw new LakehouseError(
      "CONFIG_INVALID",
      "the demo keeps its lake in a local directory: unset LAKE_URI or use file://",
    );
  if (cfg.kafkaBrokers || cfg.databaseUrl || cfg.mongoUrl)
    log.warn("the demo always runs embedded: KAFKA_BROKERS, DATABASE_URL and MONGO_URL are not used");
  const rate = parseNumber("rate", flags.rate, { min: 0, max: 5000, integer: false });
  const port = parseNumber("port", flags.port, { min: 0, max: 65535 });
  const paths = demoPaths(cfg.dataDir, cfg.lake.path);
  if (flags.reset) await resetDemo(paths);
  const state = await loadState(paths, {
    seed: parseNumber("seed", flags.seed),
    days: parseNumber("days", flags.days, { min: 1, max: 60 }),
    users: parseNumber("users", flags.users, { min: 1000 }),
    products: parseNumber("products", flags.products, { min: 100 }),
    perDay: parseNumber("per-day", flags["per-day"], { min: 1, max: 1_000_000 }),
    until: Math.floor(Date.now() / DAY) * DAY,
  });
  const p = state.params;
  // The stages' own lines (every lake file, every model) only from LOG_LEVEL=debug: the demo
  // shows its progress line instead.
  const stageLog = log.child({}, { level: cfg.logLevel === "info" ? "warn" : cfg.logLevel });
  state.starts += 1;
  await saveState(paths, state);
  log.info(
    { dataDir: cfg.dataDir, ...p, until: new Date(p.until).toISOString() },
    state.starts === 1 ? "starting the demo" : `resuming the demo (start ${state.starts})`,
  );

  // Stores: PGlite, the journaled log, the lake directory, the DuckDB warehouse.
  await mkdir(paths.root, { recursive: true });
  const { sql } = await openPglite(paths.pglite);
  await migrate(sql, stageLog);
  const catalog = backfillSimulator(p).catalog;
  await loadReferenceSql(sql, catalog);
  await writeReferenceFiles(catalog, paths.root);
  const eventLog = MemoryLog.persistent(paths.journal);
  for (const topic of ALL_TOPICS) eventLog.createTopic(topic);

  const { signal, dispose } = shutdownSignal(log);
  const stages = new AbortController();

  // Stream worker and lake sink: the same start as `stream run` and `sink run`, on the
  // in-process log. The sink writes files every few seconds, so the lake and the batch keep up.
  const joinGroup = (group: string) => (topics: string[], handlers: RebalanceHandlers) =>
    eventLog.join(group, topics, handlers);
  const stream = await startStreamWorker(
    {
      sql,
      dlq: eventLog,
      join: joinGroup(DEFAULT_STREAM_OPTIONS.group),
      options: { ...DEFAULT_STREAM_OPTIONS, owner: `demo/${process.pid}`, sessions: DEFAULT_SESSION_RULES },
      logger: stageLog,
    },
    stages.signal,
  );
  const store = new FileStore(paths.lake);
  const writer = await BronzeWriter.open(await mkdtemp(join(tmpdir(), "lakehouse-demo-sink-")));
  const sink = await startLakeSink(
    {
      group: SINK_GROUP,
      store,
      writer,
      rotation: { ...DEFAULT_ROTATION, maxDelayMs: 30_000 },
      logger: stageLog,
      join: joinGroup(SINK_GROUP),
    },
    stages.signal,
  );

  // Batch, day by day.
  const history = fileRunHistory(paths.history);
  const batches = new DayBatches(
    {
      store,
      db: undefined,
      duckdbWarehouse: paths.warehouse,
      history,
      productsFile: paths.products,
      cacheDir: join(paths.batch, "bronze-cache"),
      workDir: join(paths.batch, "work"),
      logger: stageLog,
      duckdb: { memoryLimit: cfg.batchMemoryLimit, threads: cfg.batchThreads },
    },
    eventLog,
    SINK_GROUP,
    p.until - p.days * DAY,
    stageLog,
  );

  // API.
  const { ring: keys, generated: devKey } = KeyRing.fromConfig(cfg.apiKeys);
  const warehouse = cachedWarehouse(new DuckDbWarehouse(paths.warehouse, paths.history), {
    lookupRows: cfg.api.warehouseCacheRows,
    residentRows: cfg.api.warehouseResidentRows,
    logger: stageLog,
  });
  const api = await buildApi({
    realtime: pgliteRealtime(sql),
    warehouse,
    keys,
    logger: stageLog,
    ...settingsOf(cfg.api),
  });
  let address: string;
  let collector: Awaited<ReturnType<typeof startCollector>>;
  try {
    address = await listenOn(api, port, flags.host, "--port or API_PORT");
    collector = await startCollector(flags["collector-port"], flags.host, {
      keys,
      logger: stageLog,
      // The producer resumes by counting the journal's records, so it must begin with the whole
      // backfill: your own events are taken once the backfill is complete.
      producer: {
        send: (records) =>
          state.backfillDone
            ? eventLog.send(records)
            : Promise.reject(new Error("the demo is still backfilling; the collector opens when it is done")),
      },
    });
  } catch (err) {
    stages.abort();
    await Promise.allSettled([stream.done, sink.done]);
    await api.close();
    await eventLog.close();
    await sql.close();
    dispose();
    throw err;
  }
  warehouse.watch(Object.keys(WAREHOUSE_TABLES), PUBLISH_WATCH_MS);
  console.error(`\nGlobalMart Lakehouse demo: open ${address}/ (API reference at ${address}/docs)`);
  if (devKey) console.error(`API key for this run (every scope; paste it to sign in): ${devKey}`);
  if (collector) console.error(`collector: POST your own events to ${collector.address}/v1/events`);
  console.error(`data under ${cfg.dataDir}; Ctrl-C stops, npm start resumes, --reset starts over\n`);

  // Producer: the backfill (what the journal lacks), then real time.
  // Everything with an earlier event time has been produced: the days before it are closed.
  const producedUntil = () =>
    !state.backfillDone
      ? p.until - p.days * DAY
      : rate > 0
        ? Math.max(p.until, Date.now() - 2 * 60_000)
        : p.until;
  const producing = (async () => {
    if (!state.backfillDone) {
      const produced = await backfill(eventLog, p, signal);
      if (signal.aborted) return;
      eventLog.persist();
      state.backfillDone = true;
      await saveState(paths, state);
      log.info({ produced, records: eventLog.size }, `backfill of ${p.days} days complete`);
    }
    if (rate > 0) await realtime(eventLog, p, rate, state.starts, signal);
  })();

  // The batch loop and the progress line.
  const tty = process.stderr.isTTY;
  let lastLine = 0;
  const tick = setInterval(() => {
    void (async () => {
      const runs = await history.list({ limit: 1 });
      const last = runs[0];
      const line =
        `produced ${eventLog.size} | stream lag ${sum(stream.consumer.lag())} | sink lag ${sum(sink.consumer.lag())}, ` +
        `${sink.stats.files} lake files | batch ${batches.running ? `${batches.running} running` : last ? `${last.snapshot_date} ${last.status}` : "waiting for a closed day"}`;
      if (tty) process.stderr.write(`\r\x1b[K${line}`);
      else if (Date.now() - lastLine > 10_000) {
        lastLine = Date.now();
        log.info(line);
      }
    })().catch(() => {});
  }, 1000);
  let batching = Promise.resolve();
  const batchTimer = setInterval(() => {
    batching = batching.then(() => batches.tick(producedUntil())).catch(() => {});
  }, 2000);

  await new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
  if (tty) process.stderr.write("\n");
  clearInterval(tick);
  clearInterval(batchTimer);
  await collector?.app.close(); // answers the posts in flight
  await producing.catch(() => {});
  eventLog.persist();
  stages.abort(); // the worker and the sink commit what they hold, then stop
  await Promise.allSettled([stream.done, sink.done]);
  await batching;
  await api.close();
  await warehouse.close();
  writer.close();
  await eventLog.close();
  await sql.close();
  dispose();
  log.info("demo stopped; npm start resumes it");
  return 0;
}
