/**
 * Where the real local servers are, for integration tests and services/probe.ts. Reads the
 * SPEC variables, falling back to the addresses services/services.sh starts them on.
 */
import { existsSync, readFileSync } from "node:fs";
import { connect } from "node:net";

type Env = Record<string, string | undefined>;

export interface LocalServers {
  kafkaBrokers: string[];
  databaseUrl: string;
  s3: {
    endpoint: string;
    region: string;
    accessKeyId: string;
    secretAccessKey: string;
    forcePathStyle: true;
  };
  mongoUrl: string;
  /** Prometheus's HTTP API (services.sh starts it, scraping the targets tests register). */
  prometheusUrl: string;
}

export function localServers(env: Env = process.env): LocalServers {
  return {
    kafkaBrokers: (env.KAFKA_BROKERS ?? "127.0.0.1:9092").split(",").map((s) => s.trim()),
    databaseUrl: env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/lakehouse",
    s3: {
      endpoint: env.S3_ENDPOINT ?? "http://127.0.0.1:9000",
      region: env.S3_REGION ?? "us-east-1",
      accessKeyId: env.S3_ACCESS_KEY_ID ?? "minioadmin",
      secretAccessKey: env.S3_SECRET_ACCESS_KEY ?? "minioadmin",
      forcePathStyle: true,
    },
    mongoUrl: env.MONGO_URL ?? "mongodb://127.0.0.1:27017/lakehouse",
    prometheusUrl: env.PROMETHEUS_URL ?? "http://127.0.0.1:9090",
  };
}

export type ServerName = "kafka" | "postgres" | "s3" | "mongo" | "prometheus";

export function serverAddress(
  name: ServerName,
  servers: LocalServers = localServers(),
): { host: string; port: number } {
  const hostPort = (raw: string, defaultPort: number) => {
    const u = new URL(raw.includes("://") ? raw : `tcp://${raw}`);
    return { host: u.hostname, port: u.port === "" ? defaultPort : Number(u.port) };
  };
  switch (name) {
    case "kafka":
      return hostPort(servers.kafkaBrokers[0] ?? "127.0.0.1:9092", 9092);
    case "postgres":
      return hostPort(servers.databaseUrl, 5432);
    case "s3":
      return hostPort(servers.s3.endpoint, 80);
    case "mongo":
      return hostPort(servers.mongoUrl, 27017);
    case "prometheus":
      return hostPort(servers.prometheusUrl, 9090);
  }
}

/** Whether something accepts TCP connections at the server's address. */
function tcpReachable(host: string, port: number, timeoutMs = 1500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

/**
 * For integration tests: resolves true when the server answers. When it does not, fails with
 * the reason under CI=true (a skipped integration test in CI proves nothing), and otherwise
 * prints a one-line reason and resolves false so the caller can skip.
 */
export async function requireServer(name: ServerName, env: Env = process.env): Promise<boolean> {
  const { host, port } = serverAddress(name, localServers(env));
  if (await tcpReachable(host, port)) return true;
  const reason = `${name} is not reachable at ${host}:${port} (start it with: npm run services:start)`;
  if (env.CI === "true") throw new Error(`${reason}; CI=true, so a missing server fails the test`);
  console.warn(`skipping: ${reason}`);
  return false;
}

/** Debian's Chromium for the browser tests (CHROMIUM_PATH overrides), or undefined to skip. */
export function requireChromium(env: Env = process.env): string | undefined {
  const path = env.CHROMIUM_PATH ?? "/usr/bin/chromium";
  if (existsSync(path)) return path;
  const reason = `Chromium is not at ${path} (npm run services:install installs Debian's chromium)`;
  if (env.CI === "true") throw new Error(`${reason}; CI=true, so a missing browser fails the test`);
  console.warn(`skipping: ${reason}`);
  return undefined;
}

/** The bucket services.sh's probe creates in the local MinIO. */
export const LAKE_BUCKET = process.env.LAKEHOUSE_BUCKET ?? "lakehouse";

/** The secret services.sh's Prometheus sends as a Bearer key when it scrapes a test's API. */
export const PROMETHEUS_SCRAPE_KEY = "lakehouse-local-prometheus";

const cacheDir = (env: Env) =>
  env.LAKEHOUSE_CACHE ?? `${env.XDG_CACHE_HOME ?? `${env.HOME ?? "/root"}/.cache`}/lakehouse`;

/** Where services.sh's Prometheus looks for scrape targets (file service discovery). */
export function prometheusTargetsDir(env: Env = process.env): string {
  return `${cacheDir(env)}/run/prometheus/targets`;
}

/** The Compose Specification's JSON schema services.sh installed (versions.env pins it). */
export function composeSchemaPath(env: Env = process.env): string {
  const pins = readFileSync(new URL("../services/versions.env", import.meta.url), "utf8");
  const version = /^COMPOSE_GO_VERSION=(\S+)$/m.exec(pins)?.[1];
  return `${cacheDir(env)}/compose-spec/${version}/compose-spec.json`;
}
