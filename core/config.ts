/**
 * The one place environment variables are read (SPEC section 2). `loadConfig` checks every
 * variable and throws one CONFIG_INVALID error that lists all problems at once, so a bad
 * deployment fails at start with a complete answer instead of one error per restart.
 */
import { availableParallelism, totalmem } from "node:os";
import { resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { readFileSync } from "node:fs";
import { parseApiKeys, type ApiKeyEntry } from "./api-keys.ts";
import { durationMs } from "./duration.ts";
import { LakehouseError } from "./errors.ts";

export type LakeLocation =
  { kind: "file"; path: string; uri: string } | { kind: "s3"; bucket: string; prefix: string; uri: string };

export interface S3Settings {
  endpoint: string | undefined;
  region: string;
  accessKeyId: string | undefined;
  secretAccessKey: string | undefined;
  forcePathStyle: boolean;
}

export interface Config {
  /** Unset means the in-process log stands in for Kafka. */
  kafkaBrokers: string[] | undefined;
  /** Put before every SPEC topic name (KAFKA_TOPIC_PREFIX), so stacks can share one cluster. */
  kafkaTopicPrefix: string;
  /** Unset means embedded PGlite under dataDir. */
  databaseUrl: string | undefined;
  lake: LakeLocation;
  s3: S3Settings;
  /** Unset means the warehouse is served from the DuckDB gold tables. */
  mongoUrl: string | undefined;
  dataDir: string;
  apiPort: number;
  /** From API_KEYS or API_KEYS_FILE; unset means a development key is generated and printed at start. */
  apiKeys: ApiKeyEntry[] | undefined;
  api: ApiSettings;
  batchTimeZone: string;
  batchCron: string;
  /** DuckDB's memory_limit for a batch run (BATCH_MEMORY_LIMIT); past it DuckDB spills to disk. */
  batchMemoryLimit: string;
  /** DuckDB's threads for a batch run (BATCH_THREADS); default every core. */
  batchThreads: number;
  logLevel: LogLevel;
}

export interface ApiSettings {
  /** The read-only role's URL; unset falls back to DATABASE_URL (with a warning). */
  databaseUrl: string | undefined;
  /** Origins allowed by CORS; unset means CORS is off. */
  corsOrigins: string[] | undefined;
  /** The widest time range a real-time route accepts. */
  maxRangeMs: number;
  /** Requests per minute per key; 0 turns the limit off. */
  rateLimitPerMinute: number;
  /** How long a real-time answer is served again from memory; 0 = never. */
  cacheTtlMs: number;
  /** Rows of published snapshots kept in memory for repeated lookups; 0 = none. */
  warehouseCacheRows: number;
  /** Rows of whole current snapshots held in memory, all tables together; 0 = none. */
  warehouseResidentRows: number;
  /** Signs the overview page's session cookies; unset = random per process (sessions end at restart). */
  sessionSecret: string | undefined;
}

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

type Env = Record<string, string | undefined>;

/** Collects problems while each variable is parsed, so all of them are reported together. */
class Problems {
  readonly list: string[] = [];
  add(name: string, value: string, expected: string): void {
    this.list.push(`${name}=${JSON.stringify(value)}: expected ${expected}`);
  }
}

function text(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === "" ? undefined : value;
}

function port(env: Env, name: string, fallback: number, problems: Problems): number {
  const raw = text(env, name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 65535) {
    problems.add(name, raw, "a TCP port from 1 to 65535");
    return fallback;
  }
  return n;
}

function bool(env: Env, name: string, fallback: boolean, problems: Problems): boolean {
  const raw = text(env, name);
  if (raw === undefined) return fallback;
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  problems.add(name, raw, "true or false");
  return fallback;
}

function list(raw: string | undefined): string[] | undefined {
  if (raw === undefined) return undefined;
  const items = raw
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  return items.length === 0 ? undefined : items;
}

function whole(env: Env, name: string, fallback: number, problems: Problems): number {
  const raw = text(env, name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 0) {
    problems.add(name, raw, "a whole number >= 0");
    return fallback;
  }
  return n;
}

/** A secret of at least `min` characters; a problem never repeats its value. */
function secret(env: Env, name: string, min: number, problems: Problems): string | undefined {
  const raw = text(env, name);
  if (raw !== undefined && raw.length < min) {
    problems.list.push(`${name}: expected at least ${min} characters (got ${raw.length})`);
    return undefined;
  }
  return raw;
}

/** A duration longer than zero ("90m", "24h", "7d"; core/duration.ts), in milliseconds. */
function duration(env: Env, name: string, fallbackMs: number, problems: Problems): number {
  const raw = text(env, name);
  if (raw === undefined) return fallbackMs;
  const ms = durationMs(raw);
  if (ms === undefined || ms === 0) {
    problems.add(name, raw, "a duration such as 90m, 24h or 7d");
    return fallbackMs;
  }
  return ms;
}

function apiKeys(env: Env, problems: Problems): ApiKeyEntry[] | undefined {
  const inline = text(env, "API_KEYS");
  const file = text(env, "API_KEYS_FILE");
  if (inline !== undefined && file !== undefined) {
    problems.list.push("API_KEYS and API_KEYS_FILE: expected one or the other");
    return undefined;
  }
  let source = "API_KEYS";
  let raw = inline;
  if (file !== undefined) {
    source = `API_KEYS_FILE=${file}`;
    try {
      raw = readFileSync(file, "utf8");
    } catch (err) {
      problems.list.push(`${source}: cannot read (${(err as NodeJS.ErrnoException).code ?? "error"})`);
      return undefined;
    }
  }
  if (raw === undefined) return undefined;
  try {
    return parseApiKeys(raw, source);
  } catch (err) {
    problems.list.push((err as Error).message);
    return undefined;
  }
}

function brokers(env: Env, problems: Problems): string[] | undefined {
  const items = list(text(env, "KAFKA_BROKERS"));
  for (const item of items ?? []) {
    if (!/^[^\s:/]+:\d{1,5}$/.test(item))
      problems.add("KAFKA_BROKERS", item, "host:port entries, comma separated");
  }
  return items;
}

function topicPrefix(env: Env, problems: Problems): string {
  const raw = text(env, "KAFKA_TOPIC_PREFIX") ?? "";
  // Kafka's own rule for topic names, less the length a SPEC name needs after the prefix.
  if (!/^[a-zA-Z0-9._-]{0,200}$/.test(raw))
    problems.add("KAFKA_TOPIC_PREFIX", raw, "letters, digits, '.', '_' or '-' (at most 200)");
  return raw;
}

function url(env: Env, name: string, protocols: string[], problems: Problems): string | undefined {
  const raw = text(env, name);
  if (raw === undefined) return undefined;
  try {
    const parsed = new URL(raw);
    if (!protocols.includes(parsed.protocol)) throw new Error("protocol");
    return raw;
  } catch {
    problems.add(name, redactUrl(raw), `a URL starting with ${protocols.map((p) => `${p}//`).join(" or ")}`);
    return undefined;
  }
}

function lake(env: Env, dataDir: string, problems: Problems): LakeLocation {
  const fallback = resolve(dataDir, "lake");
  const raw = text(env, "LAKE_URI");
  if (raw === undefined) return { kind: "file", path: fallback, uri: pathToFileURL(fallback).href };
  try {
    const parsed = new URL(raw);
    if (parsed.protocol === "file:") {
      const path = fileURLToPath(parsed).replace(/\/+$/, "");
      return { kind: "file", path, uri: pathToFileURL(path).href };
    }
    if (parsed.protocol === "s3:" && /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(parsed.hostname)) {
      const prefix = parsed.pathname.replace(/^\/+|\/+$/g, "");
      const uri = `s3://${parsed.hostname}${prefix === "" ? "" : `/${prefix}`}`;
      return { kind: "s3", bucket: parsed.hostname, prefix, uri };
    }
  } catch {
    // reported below
  }
  problems.add("LAKE_URI", raw, "s3://bucket[/prefix] (a valid bucket name) or file:///absolute/path");
  return { kind: "file", path: fallback, uri: pathToFileURL(fallback).href };
}

function timeZone(env: Env, problems: Problems): string {
  const raw = text(env, "TZ_BATCH") ?? "UTC";
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: raw });
  } catch {
    problems.add("TZ_BATCH", raw, "an IANA time zone such as UTC or Europe/Berlin");
  }
  return raw;
}

/** Five or six cron fields (optional seconds), each *, a number, a range, a list or a step. */
const CRON_FIELD = /^(\*|\d+(-\d+)?)(\/\d+)?(,(\*|\d+(-\d+)?)(\/\d+)?)*$/;

function cron(env: Env, problems: Problems): string {
  const raw = text(env, "BATCH_CRON") ?? "0 2 * * *";
  const fields = raw.split(/\s+/);
  if ((fields.length !== 5 && fields.length !== 6) || !fields.every((f) => CRON_FIELD.test(f))) {
    problems.add("BATCH_CRON", raw, 'a cron expression with 5 or 6 numeric fields, e.g. "0 2 * * *"');
  }
  return raw;
}

/**
 * DuckDB's memory limit for a batch run when BATCH_MEMORY_LIMIT is unset: half the machine's
 * memory, at most 4 GiB. DuckDB's own default (80% of RAM) let a 30-day run peak at 6.6 GB on a
 * box it shares with Kafka, Postgres and MinIO; 4 GiB peaked at 4.7 GB for 10% more time, and
 * 1.5GB at 2.2 GB for 50% more (bench/README.md, Batch).
 */
export function defaultBatchMemoryLimit(total = totalmem()): string {
  return `${Math.min(4096, Math.floor(total / 2 / 2 ** 20))}MiB`;
}

/** DuckDB's budget for a batch run when neither BATCH_MEMORY_LIMIT nor BATCH_THREADS is set. */
export function defaultBatchBudget(): { memoryLimit: string; threads: number } {
  return { memoryLimit: defaultBatchMemoryLimit(), threads: availableParallelism() };
}

/** A size as DuckDB's memory_limit takes it: "1.5GB", "800MB", "2GiB". */
function size(env: Env, name: string, fallback: string, problems: Problems): string {
  const raw = text(env, name);
  if (raw === undefined) return fallback;
  if (/^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i.test(raw)) return raw;
  problems.add(name, raw, "a size such as 800MB, 1.5GB or 2GiB");
  return fallback;
}

function logLevel(env: Env, problems: Problems): LogLevel {
  const raw = text(env, "LOG_LEVEL") ?? "info";
  if ((LOG_LEVELS as readonly string[]).includes(raw)) return raw as LogLevel;
  problems.add("LOG_LEVEL", raw, `one of ${LOG_LEVELS.join(", ")}`);
  return "info";
}

/** Reads and validates the whole configuration. Throws CONFIG_INVALID listing every problem. */
export function loadConfig(env: Env = process.env): Config {
  const batchDefaults = defaultBatchBudget();
  const problems = new Problems();
  const dataDir = resolve(text(env, "DATA_DIR") ?? "./data");
  const config: Config = {
    kafkaBrokers: brokers(env, problems),
    kafkaTopicPrefix: topicPrefix(env, problems),
    databaseUrl: url(env, "DATABASE_URL", ["postgres:", "postgresql:"], problems),
    lake: lake(env, dataDir, problems),
    s3: {
      endpoint: url(env, "S3_ENDPOINT", ["http:", "https:"], problems),
      region: text(env, "S3_REGION") ?? "us-east-1",
      accessKeyId: text(env, "S3_ACCESS_KEY_ID"),
      secretAccessKey: text(env, "S3_SECRET_ACCESS_KEY"),
      forcePathStyle: bool(env, "S3_FORCE_PATH_STYLE", text(env, "S3_ENDPOINT") !== undefined, problems),
    },
    mongoUrl: url(env, "MONGO_URL", ["mongodb:", "mongodb+srv:"], problems),
    dataDir,
    apiPort: port(env, "API_PORT", 8080, problems),
    apiKeys: apiKeys(env, problems),
    api: {
      databaseUrl: url(env, "API_DATABASE_URL", ["postgres:", "postgresql:"], problems),
      corsOrigins: list(text(env, "API_CORS_ORIGINS")),
      maxRangeMs: duration(env, "API_MAX_RANGE", 7 * 86_400_000, problems),
      rateLimitPerMinute: whole(env, "API_RATE_LIMIT", 1200, problems),
      cacheTtlMs: whole(env, "API_CACHE_TTL_MS", 1000, problems),
      warehouseCacheRows: whole(env, "API_WAREHOUSE_CACHE_ROWS", 100_000, problems),
      warehouseResidentRows: whole(env, "API_WAREHOUSE_RESIDENT_ROWS", 500_000, problems),
      sessionSecret: secret(env, "API_SESSION_SECRET", 32, problems),
    },
    batchTimeZone: timeZone(env, problems),
    batchCron: cron(env, problems),
    batchMemoryLimit: size(env, "BATCH_MEMORY_LIMIT", batchDefaults.memoryLimit, problems),
    batchThreads: whole(env, "BATCH_THREADS", batchDefaults.threads, problems) || batchDefaults.threads,
    logLevel: logLevel(env, problems),
  };
  if ((config.s3.accessKeyId === undefined) !== (config.s3.secretAccessKey === undefined)) {
    problems.list.push("S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY: expected both or neither");
  }
  if (problems.list.length > 0) {
    throw new LakehouseError(
      "CONFIG_INVALID",
      `invalid configuration (${problems.list.length} problem${problems.list.length === 1 ? "" : "s"}):\n  - ${problems.list.join("\n  - ")}`,
      { context: { problems: problems.list } },
    );
  }
  return config;
}

let cached: Config | undefined;

/** The process-wide configuration, validated on first use. */
export function config(): Config {
  cached ??= loadConfig();
  return cached;
}

/** Masks the password in a URL so it can be logged or shown in an error. */
export function redactUrl(raw: string): string {
  try {
    const parsed = new URL(raw);
    if (parsed.password !== "") parsed.password = "***";
    return parsed.href;
  } catch {
    return raw.replace(/\/\/([^:/@]+):[^@]*@/, "//$1:***@");
  }
}

/** The configuration with secrets masked, for `lakehouse config` and start-up logs. */
export function describeConfig(c: Config): Record<string, unknown> {
  return {
    kafkaBrokers: c.kafkaBrokers ?? "(in-process log)",
    kafkaTopicPrefix: c.kafkaTopicPrefix,
    databaseUrl: c.databaseUrl === undefined ? "(embedded PGlite)" : redactUrl(c.databaseUrl),
    lake: c.lake.uri,
    s3: { ...c.s3, secretAccessKey: c.s3.secretAccessKey === undefined ? undefined : "***" },
    mongoUrl: c.mongoUrl === undefined ? "(DuckDB gold tables)" : redactUrl(c.mongoUrl),
    dataDir: c.dataDir,
    apiPort: c.apiPort,
    apiKeys:
      c.apiKeys === undefined
        ? "(generated at start)"
        : c.apiKeys.map((k) => `${k.name} (${k.scopes.join("+")})`),
    api: {
      ...c.api,
      databaseUrl: c.api.databaseUrl === undefined ? "(DATABASE_URL)" : redactUrl(c.api.databaseUrl),
      sessionSecret: c.api.sessionSecret === undefined ? "(random per process)" : "***",
    },
    batchTimeZone: c.batchTimeZone,
    batchCron: c.batchCron,
    batchMemoryLimit: c.batchMemoryLimit,
    batchThreads: c.batchThreads,
    logLevel: c.logLevel,
  };
}
