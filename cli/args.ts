/** Parsing of command-line values, with errors that say which flag and what was expected. */
import { parseArgs, type ParseArgsConfig } from "node:util";
import { config } from "../core/config.ts";
import { durationMs } from "../core/duration.ts";
import { LakehouseError } from "../core/errors.ts";

function bad(flag: string, value: string, expected: string): LakehouseError {
  return new LakehouseError("CONFIG_INVALID", `--${flag} ${JSON.stringify(value)}: expected ${expected}`);
}

/** "500ms", "30s", "10m", "2h", "1d" (a bare number is seconds) to milliseconds. */
export function parseDuration(flag: string, value: string): number {
  const ms = durationMs(value);
  if (ms === undefined) throw bad(flag, value, "a duration such as 30s, 10m, 2h or 1d");
  return ms;
}

export function parseNumber(
  flag: string,
  value: string,
  { min = 0, max = Number.MAX_SAFE_INTEGER, integer = true } = {},
) {
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n) || (integer && !Number.isInteger(n)) || n < min || n > max) {
    throw bad(flag, value, `${integer ? "an integer" : "a number"} from ${min} to ${max}`);
  }
  return n;
}

/** A UTC date (YYYY-MM-DD) or full ISO timestamp to epoch milliseconds. */
export function parseInstant(flag: string, value: string): number {
  const ms = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value);
  if (Number.isNaN(ms)) throw bad(flag, value, "a date like 2026-11-21 or an ISO timestamp");
  return ms;
}

/** node:util parseArgs with unknown flags reported as a configuration error. */
export function parseFlags<T extends NonNullable<ParseArgsConfig["options"]>>(args: string[], options: T) {
  const { values, positionals } = parseFlagsAndArgs(args, options);
  if (positionals.length > 0)
    throw new LakehouseError(
      "CONFIG_INVALID",
      `unexpected argument '${positionals[0]}': this command takes flags only`,
    );
  return values;
}

/** parseFlags for a command that also takes positional arguments (`dlq show ID`). */
export function parseFlagsAndArgs<T extends NonNullable<ParseArgsConfig["options"]>>(
  args: string[],
  options: T,
) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: true });
  } catch (err) {
    throw new LakehouseError("CONFIG_INVALID", err instanceof Error ? err.message : String(err));
  }
}

/** `--metrics-port` and `--metrics-host` of a service without an HTTP server of its own. */
export const metricsFlags = (port: number) =>
  ({
    "metrics-port": { type: "string", default: String(port) },
    "metrics-host": { type: "string", default: "127.0.0.1" },
  }) as const;

/** The same flags for a command that serves /metrics only when asked (no default port). */
export const optionalMetricsFlags = {
  "metrics-port": { type: "string" },
  "metrics-host": { type: "string", default: "127.0.0.1" },
} as const;

/** Where `metricsFlags` say to serve /metrics; undefined when no port was given. */
export function metricsAddress(flags: { "metrics-port": string; "metrics-host": string }): [number, string];
export function metricsAddress(flags: {
  "metrics-port"?: string | undefined;
  "metrics-host": string;
}): [number, string] | undefined;
export function metricsAddress(flags: {
  "metrics-port"?: string | undefined;
  "metrics-host": string;
}): [number, string] | undefined {
  if (flags["metrics-port"] === undefined) return undefined;
  return [parseNumber("metrics-port", flags["metrics-port"], { min: 0, max: 65535 }), flags["metrics-host"]];
}

/** `--topic-prefix`: unset falls back to KAFKA_TOPIC_PREFIX (core/config.ts), then none. */
export const TOPIC_PREFIX_FLAG = { "topic-prefix": { type: "string" } } as const;

export const topicPrefixOf = (flags: { "topic-prefix"?: string | undefined }): string =>
  flags["topic-prefix"] ?? config().kafkaTopicPrefix;
