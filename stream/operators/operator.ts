/**
 * The shape every stream operator has, in one unit: what it keeps per shard (a namespace of
 * the shard's state log), what it does per event and per watermark, how two shards' outputs
 * merge for a joint commit, what a rebuild may write again, and how its rows reach Postgres.
 * process.ts drives them; output.ts holds their outputs; write-output.ts calls their writers.
 * Adding an operator is a folder beside the others and a line in `all.ts`.
 */
import { readFileSync } from "node:fs";
import type { SqlClient } from "../../core/db/sql.ts";
import type { EventByTopic } from "../../core/events/schemas.ts";
import type { EventTopic } from "../../core/events/topics.ts";
import type { Keyed, ShardState } from "./state.ts";

export interface ProductInfo {
  category: string;
  priceCents: number;
}

/** The product dimension, as the operators see it. */
export interface Products {
  get(productId: string): ProductInfo | undefined;
}

/** How sessions end and carts count as abandoned (defaults in sessions/rules.ts). */
export interface SessionRules {
  /** Inactivity that ends a session. */
  gapMs: number;
  /** Cart inactivity after which items left in it count as abandoned. */
  abandonAfterMs: number;
}

/** What an operator sees of its shard while it processes one batch. */
export interface OperatorContext<O, S> {
  /** This batch's output of the operator. */
  out: O;
  /** Its keys in the shard's state (empty for a stateless operator). */
  state: Keyed<S>;
  products: Products;
  latenessMs: number;
  sessions: SessionRules;
}

export type EventHandlers<O, S> = {
  [T in EventTopic]?: (c: OperatorContext<O, S>, event: EventByTopic[T], time: number) => void;
};

export interface Operator<O = unknown, S = unknown> {
  readonly name: string;
  /** The state-log namespace its keys persist under; absent when it keeps no state. */
  readonly namespace?: string;
  /** An empty output for one batch. */
  output(): O;
  /** Per accepted event (valid, on time, first of its id), of the topics it reads. */
  readonly on: EventHandlers<O, S>;
  /** After a batch's records: closes what the shard's watermark has passed. */
  onWatermark?(c: OperatorContext<O, S>, watermark: number): void;
  /**
   * Before a shard's batch commits, with the worker's other shards: leaves them what they will
   * do better later (an hour another shard still has open is ranked by that shard).
   */
  leaveToOthers?(out: O, others: readonly ShardState[]): void;
  /** Adds `from` into `into` (several shards' batches committed as one). */
  merge(into: O, from: O): void;
  /** The part of `out` keyed at or after `since` (a rebuild writes only that again). */
  since(out: O, since: number): O;
  /** Rows it would write: 0 means the batch changes none of its tables. */
  rows(out: O): number;
  /** Writes `out` in the commit's transaction: additive upserts or idempotent keyed rows. */
  write(tx: SqlClient, out: O): Promise<void>;
}

/** Entries of `from` keyed at or after `since`, by `at`. */
export function keepFrom<K, V>(from: ReadonlyMap<K, V>, at: (key: K, value: V) => number, since: number) {
  const kept = new Map<K, V>();
  for (const [k, v] of from) if (at(k, v) >= since) kept.set(k, v);
  return kept;
}

/** Adds `from`'s entries into `into`: `add` for a key both hold, a copy for a new one. */
export function addInto<K, V extends object>(
  into: Map<K, V>,
  from: ReadonlyMap<K, V>,
  add: (a: V, b: V) => void,
): void {
  for (const [key, value] of from) {
    const prior = into.get(key);
    if (prior) add(prior, value);
    else into.set(key, { ...value });
  }
}

/** push(...from) without an argument per element (a replay's rows can be many). */
export function append<T>(into: T[], from: readonly T[]): void {
  for (const item of from) into.push(item);
}

/** Rows sorted by key, so concurrent transactions lock them in one order. */
export const sortedValues = <V>(m: ReadonlyMap<string | number, V>) =>
  [...m.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map((e) => e[1]);

/** Rows as one array per field, in `fields` order: the parameters an unnest statement binds. */
export const columnsOf = <T>(rows: readonly T[], fields: readonly (keyof T)[]): unknown[][] =>
  fields.map((f) => rows.map((r) => r[f]));

/** A statement kept as a `.sql` file beside the writer that runs it. */
export const sqlFile = (url: URL) => readFileSync(url, "utf8");
