/**
 * Readiness and status checks for the local servers, run by services.sh:
 *   probe.ts wait    wait until each server really answers, then create the database,
 *                    bucket and smoke-test topic (idempotent)
 *   probe.ts status  one line per server: state, version, address, pid
 */
import { readFileSync } from "node:fs";
import { CreateBucketCommand, HeadBucketCommand, ListBucketsCommand, S3Client } from "@aws-sdk/client-s3";
import { Kafka, logLevel } from "kafkajs";
import { MongoClient } from "mongodb";
import pg from "pg";
import { LAKE_BUCKET, localServers, serverAddress, type ServerName } from "../core/local-servers.ts";
import { LakehouseError } from "../core/errors.ts";
import { retry } from "../core/retry.ts";
import { componentLogger } from "../core/logger.ts";

const servers = localServers();
const log = componentLogger("services");
export const SMOKE_TOPIC = "lakehouse-smoke";

function adminUrl(): string {
  const u = new URL(servers.databaseUrl);
  u.pathname = "/postgres";
  return u.href;
}

async function postgres(): Promise<string> {
  const client = new pg.Client({ connectionString: adminUrl(), connectionTimeoutMillis: 2000 });
  await client.connect();
  try {
    const db = new URL(servers.databaseUrl).pathname.slice(1);
    const exists = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [db]);
    if (exists.rowCount === 0) await client.query(`CREATE DATABASE ${pg.escapeIdentifier(db)}`);
    const v = await client.query<{ server_version: string }>("SHOW server_version");
    return `PostgreSQL ${v.rows[0]?.server_version ?? "?"}`;
  } finally {
    await client.end();
  }
}

async function kafka(): Promise<string> {
  const admin = new Kafka({
    clientId: "lakehouse-probe",
    brokers: servers.kafkaBrokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 2000,
    retry: { retries: 0 },
  }).admin();
  await admin.connect();
  try {
    const cluster = await admin.describeCluster();
    if (cluster.controller === null || cluster.controller < 0)
      throw Object.assign(new Error("no controller yet"), { retriable: true });
    await admin.createTopics({ topics: [{ topic: SMOKE_TOPIC, numPartitions: 6 }], waitForLeaders: true });
    return `Apache Kafka ${process.env.LAKEHOUSE_KAFKA_VERSION ?? "?"} (KRaft, cluster ${cluster.clusterId})`;
  } finally {
    await admin.disconnect();
  }
}

async function s3(): Promise<string> {
  const client = new S3Client({ ...servers.s3, credentials: servers.s3, maxAttempts: 1 });
  try {
    await client.send(new ListBucketsCommand({}));
    try {
      await client.send(new HeadBucketCommand({ Bucket: LAKE_BUCKET }));
    } catch {
      await client.send(new CreateBucketCommand({ Bucket: LAKE_BUCKET }));
    }
    const pinned = process.env.LAKEHOUSE_MINIO_VERSION;
    return pinned ? `MinIO (Go module ${pinned})` : "S3-compatible store";
  } finally {
    client.destroy();
  }
}

async function mongo(): Promise<string> {
  const client = new MongoClient(servers.mongoUrl, { serverSelectionTimeoutMS: 2000 });
  try {
    await client.connect();
    await client.db("admin").command({ ping: 1 });
    const info = await client.db("admin").command({ buildInfo: 1 });
    const ferret = info.ferretdbVersion as string | undefined;
    return ferret
      ? `FerretDB ${ferret} (MongoDB wire ${String(info.version)})`
      : `MongoDB ${String(info.version)}`;
  } finally {
    await client.close();
  }
}

async function prometheus(): Promise<string> {
  const res = await fetch(new URL("/api/v1/status/buildinfo", servers.prometheusUrl), {
    signal: AbortSignal.timeout(2000),
  });
  if (!res.ok) throw Object.assign(new Error(`HTTP ${res.status}`), { retriable: true });
  const body = (await res.json()) as { data?: { version?: string } };
  return `Prometheus ${body.data?.version ?? "?"}`;
}

const checks: Record<ServerName, () => Promise<string>> = { postgres, kafka, s3, mongo, prometheus };

const PID_FILES: Record<ServerName, string> = {
  kafka: "kafka",
  s3: "minio",
  mongo: "mongo",
  prometheus: "prometheus",
  postgres: "",
};

function pidOf(name: ServerName): string | undefined {
  try {
    const file =
      name === "postgres"
        ? `${process.env.LAKEHOUSE_PG_DIR ?? ""}/postmaster.pid`
        : `${process.env.LAKEHOUSE_RUN_DIR ?? ""}/${PID_FILES[name]}.pid`;
    return readFileSync(file, "utf8").split("\n")[0]?.trim();
  } catch {
    return undefined;
  }
}

function alive(pid: string): boolean {
  try {
    process.kill(Number(pid), 0);
    return true;
  } catch {
    return false;
  }
}

/** Stops the wait early when the server process we started has already exited. */
function assertRunning(name: ServerName): void {
  const pid = pidOf(name);
  if (name === "postgres" || pid === undefined || alive(pid)) return;
  const logFile = `${process.env.LAKEHOUSE_RUN_DIR ?? ""}/logs/${PID_FILES[name]}.log`;
  let tail = "";
  try {
    tail = readFileSync(logFile, "utf8").split("\n").slice(-15).join("\n");
  } catch {
    // no log to show
  }
  throw new LakehouseError(
    "SERVICE_UNAVAILABLE",
    `${name} (pid ${pid}) exited; last lines of ${logFile}:\n${tail}`,
    {
      retriable: false,
    },
  );
}

async function waitAll(): Promise<void> {
  const started = Date.now();
  const results = await Promise.allSettled(
    (Object.keys(checks) as ServerName[]).map(async (name) => {
      const { host, port } = serverAddress(name, servers);
      const version = await retry(
        async () => {
          assertRunning(name);
          return checks[name]();
        },
        {
          what: `${name} at ${host}:${port}`,
          logger: log,
          attempts: 40,
          initialDelayMs: 250,
          maxDelayMs: 3000,
          retriable: (err) => !(err instanceof LakehouseError && !err.retriable),
        },
      );
      log.info(`${name}: ready (${version})`);
    }),
  );
  const failed = results.filter((r) => r.status === "rejected");
  if (failed.length > 0) {
    for (const f of failed) log.error(String(f.reason));
    process.exitCode = 1;
    return;
  }
  log.info(`all servers answer (${((Date.now() - started) / 1000).toFixed(1)} s)`);
}

async function status(): Promise<void> {
  const rows = await Promise.all(
    (Object.keys(checks) as ServerName[]).map(async (name) => {
      const { host, port } = serverAddress(name, servers);
      try {
        const version = await checks[name]();
        return [name, "up", version, `${host}:${port}`, pidOf(name) ?? "-"];
      } catch (err) {
        process.exitCode = 1;
        return [
          name,
          "down",
          err instanceof Error ? (err.message.split("\n")[0] ?? "") : String(err),
          `${host}:${port}`,
          "-",
        ];
      }
    }),
  );
  const table = [["server", "state", "version", "address", "pid"], ...rows];
  const widths = table[0]!.map((_, i) => Math.max(...table.map((r) => (r[i] ?? "").length)));
  for (const row of table) console.log(row.map((c, i) => c.padEnd(widths[i] ?? 0)).join("  "));
}

const command = process.argv[2];
if (command === "wait") await waitAll();
else if (command === "status") await status();
else {
  console.error("usage: probe.ts wait|status");
  process.exitCode = 2;
}
