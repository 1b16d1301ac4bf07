/**
 * The REST API under load, against the real local Postgres and FerretDB, with the box's own
 * limit beside it: a bare Fastify route in the same kind of process.
 *
 * Seeds a generated week (100k transactions a day by default) through the real stream worker
 * (in-process log) into a Postgres schema of its own and through the lake and the batch into a
 * FerretDB database, then runs the real `lakehouse api` as a child process pinned to one core
 * and autocannon in this process pinned to the other, and prints req/s, p50/p99 and errors for:
 * a warehouse lookup by user_id, a one-hour sales series, an anomalies page, and a cursor walk
 * over every RFM customer.
 *
 *   node bin/run-ts.mjs bench/api/api.ts                       # seed a week, then measure
 *   node bin/run-ts.mjs bench/api/api.ts --keep                # keep the seeded schema and database
 *   node bin/run-ts.mjs bench/api/api.ts --schema st_x --db api_x --data-dir D   # measure again on them
 *
 * The warehouse is published twice: to FerretDB (the full stack's MongoDB here) and to the
 * embedded stack's DuckDB gold file under the data directory, and the lookup runs on both.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { DuckDBInstance } from "@duckdb/node-api";
import autocannon from "autocannon";
import { MongoClient } from "mongodb";
import pg from "pg";
import { migrate } from "../../core/db/migrate.ts";
import { pgSql } from "../../core/db/sql.ts";
import { localServers } from "../../core/local-servers.ts";
import { createLogger } from "../../core/logger.ts";
import { seedRealtime, seedWarehouse } from "../../api/testing/seeded.ts";
import { seededDataset } from "../../stream/testing/harness.ts";
import { runHistoryFile } from "../../warehouse/runs-file.ts";
import { percentile } from "../measure.ts";

const { values } = parseArgs({
  options: {
    days: { type: "string", default: "7" },
    "per-day": { type: "string", default: "100000" },
    users: { type: "string", default: "200000" },
    products: { type: "string", default: "50000" },
    seconds: { type: "string", default: "10" },
    connections: { type: "string", default: "32" },
    "walk-seconds": { type: "string", default: "120" },
    "cache-ttl-ms": { type: "string", default: "1000" },
    keep: { type: "boolean", default: false },
    schema: { type: "string" },
    db: { type: "string" },
    "data-dir": { type: "string" },
  },
});
const ROOT = new URL("../..", import.meta.url).pathname;
const servers = localServers();
const logger = createLogger({ level: "warn" });
const KEY = randomBytes(12).toString("hex");
const DAYS = Number(values.days);
const UNTIL = "2026-11-08T00:00:00Z";
const FIRST = Date.parse(UNTIL) - DAYS * 86_400_000;

function pin(pid: number, core: number): void {
  spawnSync("taskset", ["-p", "-c", String(core), String(pid)], { stdio: "ignore" });
}

function schemaUrl(name: string): string {
  const url = new URL(servers.databaseUrl);
  url.searchParams.set("options", `-c search_path=${name}`);
  return url.toString();
}

interface Seeded {
  schema: string;
  db: string;
  dataDir: string;
}

async function seed(): Promise<Seeded> {
  const schema = `st_${randomBytes(4).toString("hex")}`;
  const db = `api_${randomBytes(4).toString("hex")}`;
  const started = performance.now();
  const ds = await seededDataset(mkdtempSync(join(tmpdir(), "bench-api-")), {
    seed: 42,
    users: Number(values.users),
    products: Number(values.products),
    days: DAYS,
    transactionsPerDay: Number(values["per-day"]),
    until: UNTIL,
    keepLines: false,
  });
  console.log(
    `generated the dataset (${ds.eventsFile}) in ${((performance.now() - started) / 1000).toFixed(0)} s`,
  );
  const admin = new pg.Client({ connectionString: servers.databaseUrl });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.end();
  const pool = new pg.Pool({ connectionString: schemaUrl(schema), max: 6 });
  const sql = pgSql(pool);
  await migrate(sql, logger);
  let t = performance.now();
  await seedRealtime(sql, ds, logger, 20_000);
  console.log(
    `stream: ${ds.lines.length} events into ${schema} in ${((performance.now() - t) / 1000).toFixed(0)} s`,
  );
  await pool.end();
  const client = new MongoClient(servers.mongoUrl);
  await client.connect();
  t = performance.now();
  await seedWarehouse(ds, { db: client.db(db) }, logger, {
    date: new Date(Date.parse(UNTIL) - 86_400_000).toISOString().slice(0, 10),
  });
  console.log(
    `batch + publish to FerretDB database ${db} in ${((performance.now() - t) / 1000).toFixed(0)} s`,
  );
  await client.close();
  const dataDir = mkdtempSync(join(tmpdir(), "bench-api-data-"));
  t = performance.now();
  await seedWarehouse(
    ds,
    { duckdbPath: join(dataDir, "warehouse", "gold.duckdb"), historyFile: runHistoryFile(dataDir) },
    logger,
    { date: new Date(Date.parse(UNTIL) - 86_400_000).toISOString().slice(0, 10) },
  );
  console.log(`batch + publish to DuckDB ${dataDir} in ${((performance.now() - t) / 1000).toFixed(0)} s`);
  return { schema, db, dataDir };
}

/** The API on the seeded schema, reading the warehouse from FerretDB or (db undefined) DuckDB. */
function startApi(seeded: Seeded, warehouse: "ferretdb" | "duckdb", port: number): Promise<ChildProcess> {
  const mongo = new URL(servers.mongoUrl);
  mongo.pathname = `/${seeded.db}`;
  const { MONGO_URL: _unset, ...env } = process.env;
  const child = spawn(
    process.execPath,
    [join(ROOT, "bin/lakehouse.mjs"), "api", "--port", String(port), "--host", "127.0.0.1"],
    {
      env: {
        ...env,
        DATABASE_URL: schemaUrl(seeded.schema),
        DATA_DIR: seeded.dataDir,
        ...(warehouse === "ferretdb" ? { MONGO_URL: mongo.toString() } : {}),
        API_KEYS: `bench:${KEY}`,
        API_RATE_LIMIT: "0",
        API_CACHE_TTL_MS: values["cache-ttl-ms"],
        API_MAX_RANGE: "31d",
        LOG_LEVEL: "warn",
      },
      stdio: ["ignore", "inherit", "inherit"],
    },
  );
  return waitUntilUp(child, port, "/healthz");
}

/** The size of a one-hour series answer on the seeded week (60 minute rows). */
const SERIES_BYTES = 6984;

function startBareFastify(port: number): Promise<ChildProcess> {
  // Two routes: a tiny answer, and one as large as a one-hour series (60 minutes, about 7 KB),
  // since the bytes written per response bound the rate as much as the work behind them.
  const code = `import Fastify from "fastify";
    const app = Fastify();
    const series = JSON.stringify({ pad: "x".repeat(${SERIES_BYTES} - 10) });
    app.get("/", async () => ({ status: "ok" }));
    app.get("/series-sized", async (_req, reply) => reply.type("application/json; charset=utf-8").send(series));
    await app.listen({ port: ${port}, host: "127.0.0.1" });`;
  const child = spawn(process.execPath, ["--input-type=module", "-e", code], { cwd: ROOT, stdio: "inherit" });
  return waitUntilUp(child, port, "/");
}

async function waitUntilUp(child: ChildProcess, port: number, path: string): Promise<ChildProcess> {
  pin(child.pid!, 1);
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}${path}`)).ok) return child;
    } catch {
      // not yet listening
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`nothing answered on port ${port}`);
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
    setTimeout(() => child.kill("SIGKILL"), 10_000).unref();
  });
}

function peakRssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Math.round(Number(/VmHWM:\s+(\d+)/.exec(status)![1]) / 1024);
}

interface Row {
  scenario: string;
  reqPerSec: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
}

async function load(scenario: string, port: number, path: () => string): Promise<Row> {
  const run = (seconds: number) =>
    autocannon({
      url: `http://127.0.0.1:${port}`,
      connections: Number(values.connections),
      duration: seconds,
      headers: { "x-api-key": KEY },
      requests: [{ method: "GET", setupRequest: (req) => ({ ...req, path: path() }) }],
    });
  // Three unmeasured seconds first: the JIT and the pools warm up, as in a long-running server.
  await run(3);
  const result = await run(Number(values.seconds));
  const row = {
    scenario,
    reqPerSec: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
  console.log(
    `${scenario}: ${row.reqPerSec} req/s, p50 ${row.p50} ms, p99 ${row.p99} ms, ${row.non2xx} non-2xx`,
  );
  return row;
}

/**
 * Waits until the API holds the current RFM snapshot in memory (it reads it at start), so the
 * cold lookups measure the served path, and says how long the read took.
 */
async function resident(port: number, warehouse: string): Promise<string> {
  const started = performance.now();
  const gauge = /lakehouse_api_warehouse_resident_rows\{[^}]*table="rfm_customers"[^}]*\} (\d+)/;
  for (;;) {
    const seconds = (performance.now() - started) / 1000;
    const text = await (
      await fetch(`http://127.0.0.1:${port}/metrics`, { headers: { "x-api-key": KEY } })
    ).text();
    const rows = Number(gauge.exec(text)?.[1] ?? 0);
    if (rows > 0)
      return `rfm_customers (${warehouse}): ${rows} rows held in memory ${seconds.toFixed(1)} s after start`;
    if (seconds > 600) return `rfm_customers (${warehouse}): not held in memory after 600 s`;
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Asks for each customer once (8 at a time), so the active set is read before it is measured. */
async function warm(port: number, users: readonly string[]): Promise<void> {
  for (let i = 0; i < users.length; i += 8)
    await Promise.all(
      users.slice(i, i + 8).map(async (u) => {
        const res = await fetch(`http://127.0.0.1:${port}/v1/warehouse/rfm/customers/${u}`, {
          headers: { "x-api-key": KEY },
        });
        await res.arrayBuffer();
      }),
    );
}

/** One client walking every RFM customer, 1,000 a page, for at most --walk-seconds. */
async function walk(warehouse: string, port: number): Promise<string> {
  const pages: number[] = [];
  let rowsWalked = 0;
  let cursor: string | null = null;
  const walkStart = performance.now();
  do {
    const t = performance.now();
    const res = await fetch(
      `http://127.0.0.1:${port}/v1/warehouse/rfm/customers?limit=1000${cursor ? `&cursor=${cursor}` : ""}`,
      { headers: { "x-api-key": KEY }, signal: AbortSignal.timeout(120_000) },
    ).catch((err: Error) => err);
    if (res instanceof Error)
      return `cursor walk over rfm_customers (${warehouse}): a page took over 120 s after ${rowsWalked} rows (${res.message})`;
    if (!res.ok) throw new Error(`walk: ${res.status} ${await res.text()}`);
    const body = (await res.json()) as { data: unknown[]; next_cursor: string | null };
    pages.push(performance.now() - t);
    rowsWalked += body.data.length;
    cursor = body.next_cursor;
  } while (cursor && performance.now() - walkStart < Number(values["walk-seconds"]) * 1000);
  const seconds = (performance.now() - walkStart) / 1000;
  return (
    `cursor walk over rfm_customers (${warehouse})${cursor ? " (stopped at --walk-seconds)" : ""}: ${rowsWalked} rows in ${pages.length} pages, ${seconds.toFixed(1)} s ` +
    `(${Math.round(rowsWalked / seconds)} rows/s), page p50 ${percentile(pages, 50).toFixed(1)} ms, p99 ${percentile(pages, 99).toFixed(1)} ms`
  );
}

async function main() {
  pin(process.pid, 0);
  const seeded =
    values.schema && values.db && values["data-dir"]
      ? { schema: values.schema, db: values.db, dataDir: values["data-dir"] }
      : await seed();
  const port = 18_000 + Math.floor(Math.random() * 1000);

  // Inputs drawn from the seeded data: real user ids (from the DuckDB copy of the same gold
  // table, which reads them in a second), hours with sales.
  const gold = await DuckDBInstance.create(join(seeded.dataDir, "warehouse", "gold.duckdb"), {
    access_mode: "READ_ONLY",
  });
  const goldConn = await gold.connect();
  const users = (await goldConn.runAndReadAll("SELECT user_id FROM rfm_customers"))
    .getRowsJS()
    .map((r) => r[0] as string);
  goldConn.closeSync();
  gold.closeSync();
  // Shuffled, so the cold lookups are spread over the whole table.
  for (let i = users.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [users[i], users[j]] = [users[j]!, users[i]!];
  }
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(Math.random() * xs.length)]!;
  const hour = () => new Date(FIRST + Math.floor(Math.random() * DAYS * 24) * 3_600_000);
  console.log(
    `${users.length} customers to look up; API on core 1, autocannon on core 0, ${values.connections} connections, ${values.seconds} s each`,
  );

  const bare = await startBareFastify(port + 1);
  const rows: Row[] = [
    await load("bare Fastify route (the box's limit)", port + 1, () => "/"),
    await load(
      `bare Fastify route, a ${SERIES_BYTES}-byte body (the limit for a one-hour series)`,
      port + 1,
      () => "/series-sized",
    ),
  ];
  await stop(bare);

  // Cold: every request a customer not asked for before, so each one reads the store. Warm: an
  // app's active customers (1,000) asked again and again, from the snapshot cache once read.
  let next = 0;
  const cold = () => `/v1/warehouse/rfm/customers/${users[next++ % users.length]!}`;
  const hot = users.slice(-1000);
  const walks: string[] = [];
  const embedded = await startApi(seeded, "duckdb", port + 2);
  try {
    walks.push(await resident(port + 2, "DuckDB"));
    console.log(walks.at(-1));
    rows.push(await load("warehouse lookup by user_id, cold (DuckDB, the embedded stack)", port + 2, cold));
    await warm(port + 2, hot);
    rows.push(
      await load(
        "warehouse lookup by user_id, 1,000 active customers (DuckDB)",
        port + 2,
        () => `/v1/warehouse/rfm/customers/${pick(hot)}`,
      ),
    );
    walks.push(await walk("DuckDB", port + 2));
    console.log(walks.at(-1));
  } finally {
    // Gone before the next API starts on the same core (it may still be draining DuckDB queries).
    await stop(embedded);
  }

  const api = await startApi(seeded, "ferretdb", port);
  try {
    walks.push(await resident(port, "FerretDB"));
    console.log(walks.at(-1));
    rows.push(await load("GET /healthz (every hook, no store)", port, () => "/healthz"));
    rows.push(
      await load("one-hour sales series (Postgres)", port, () => {
        const from = hour();
        return `/v1/realtime/sales/minutely?from=${from.toISOString()}&to=${new Date(from.getTime() + 3_600_000).toISOString()}`;
      }),
    );
    const lastHour = new Date(Date.parse(UNTIL) - 3_600_000).toISOString();
    rows.push(
      await load(
        "the same hour's series, as a dashboard refreshes it (Postgres, 1 s cache)",
        port,
        () => `/v1/realtime/sales/minutely?from=${lastHour}&to=${UNTIL}`,
      ),
    );
    rows.push(
      await load("anomalies page, one day, 100 rows (Postgres)", port, () => {
        const from = new Date(FIRST + Math.floor(Math.random() * DAYS) * 86_400_000);
        return `/v1/realtime/anomalies?from=${from.toISOString()}&to=${new Date(from.getTime() + 86_400_000).toISOString()}`;
      }),
    );

    // FerretDB last: were the snapshot not held, its lookups are full scans that outlive their
    // scenario (bench/README.md).
    rows.push(await load("warehouse lookup by user_id, cold (FerretDB)", port, cold));

    walks.push(await walk("FerretDB", port));
    console.log(walks.at(-1));

    console.log(
      "\n| scenario | req/s | p50 ms | p99 ms | non-2xx | errors |\n| --- | --- | --- | --- | --- | --- |",
    );
    for (const r of rows)
      console.log(`| ${r.scenario} | ${r.reqPerSec} | ${r.p50} | ${r.p99} | ${r.non2xx} | ${r.errors} |`);
    for (const w of walks) console.log(w);
    console.log(`API process peak RSS ${peakRssOf(api.pid!)} MB`);
  } finally {
    api.kill("SIGTERM");
  }
  if (values.keep || values.schema)
    console.log(`kept: --schema ${seeded.schema} --db ${seeded.db} --data-dir ${seeded.dataDir}`);
  else {
    const admin = new pg.Client({ connectionString: servers.databaseUrl });
    await admin.connect();
    await admin.query(`DROP SCHEMA ${seeded.schema} CASCADE`);
    await admin.end();
    const mongo = new MongoClient(servers.mongoUrl);
    await mongo.connect();
    await mongo.db(seeded.db).dropDatabase();
    await mongo.close();
    rmSync(seeded.dataDir, { recursive: true, force: true });
  }
}

await main();
