/**
 * Where things live in the lake (SPEC section 5). Bronze files are partitioned by the event's
 * own time and named by the Kafka offsets they hold, so the same offsets always give the same
 * key and a rewrite replaces instead of duplicating.
 */
import { ALL_TOPICS } from "../core/events/topics.ts";

export const HOUR_MS = 3_600_000;

function hourStart(ms: number): number {
  return Math.floor(ms / HOUR_MS) * HOUR_MS;
}

/** "dt=2026-11-21/hr=10" for the hour that contains `ms` (UTC). */
export function hourPartition(ms: number): string {
  const iso = new Date(hourStart(ms)).toISOString();
  return `dt=${iso.slice(0, 10)}/hr=${iso.slice(11, 13)}`;
}

function bronzeHourDir(topic: string, hourMs: number): string {
  return `bronze/${topic}/${hourPartition(hourMs)}/`;
}

/**
 * `source` is the Kafka topic the rows came from: the table's own topic, or, for records the
 * sink itself could not store and files under dlq.events, the event topic they were read from.
 */
export function bronzeKey(
  table: string,
  hourMs: number,
  source: string,
  partition: number,
  first: number,
  last: number,
): string {
  return `${bronzeHourDir(table, hourMs)}${source}+${partition}+${first}-${last}.parquet`;
}

export interface BronzeFile {
  table: string;
  dt: string;
  hr: string;
  source: string;
  partition: number;
  first: number;
  last: number;
}

const SINK_FILE =
  /^bronze\/([^/]+)\/dt=(\d{4}-\d{2}-\d{2})\/hr=(\d{2})\/([^/+]+)\+(\d+)\+(\d+)-(\d+)\.parquet$/;

/** The parts of a file the sink wrote, or undefined for anything else (compacted files too). */
export function parseBronzeKey(key: string): BronzeFile | undefined {
  const m = SINK_FILE.exec(key);
  if (!m) return undefined;
  return {
    table: m[1]!,
    dt: m[2]!,
    hr: m[3]!,
    source: m[4]!,
    partition: Number(m[5]),
    first: Number(m[6]),
    last: Number(m[7]),
  };
}

/** Compacted files: one per closed hour and table; the generation grows with each recompaction. */
export function compactedKey(table: string, hourDir: string, generation: number): string {
  return `${hourDir}${table}+compacted+${String(generation).padStart(6, "0")}.parquet`;
}

const COMPACTED_FILE = /\+compacted\+(\d+)\.parquet$/;

export function compactedGeneration(key: string): number | undefined {
  const m = COMPACTED_FILE.exec(key);
  return m ? Number(m[1]) : undefined;
}

/** The sink's write-ahead note for one topic partition (see sink/intents.ts). */
export function intentKey(group: string, topic: string, partition: number): string {
  return `_sink/${group}/${topic}+${partition}.json`;
}

export const BRONZE_TABLES: readonly string[] = ALL_TOPICS;
