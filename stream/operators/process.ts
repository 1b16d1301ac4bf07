/**
 * One shard's batch through every operator, in the order the records came (each partition in
 * offset order). Per record: decode and validate (failures to the DLQ), event-time checks
 * (older than its partition's watermark: late; the watermark is the largest event time seen on
 * that partition minus the allowed lateness), deduplication by event id, then each operator
 * that reads the topic (all.ts).
 * After the records, the shard's watermark (the slowest of its partitions that still receive
 * records) is handed to every operator, which closes what it has passed (sessions, carts, hours).
 *
 * Pure: no I/O, no clock (the caller passes `now`), so unit tests need no server and a replay
 * of the same records from the same state gives the same output.
 */
import { toDlqRecord } from "../../core/events/dlq.ts";
import type { EventByTopic } from "../../core/events/schemas.ts";
import { EVENT_TOPICS, ID_FIELD, type EventTopic } from "../../core/events/topics.ts";
import { validateEvent } from "../../core/events/validate.ts";
import { OPERATORS } from "./all.ts";
import type { OperatorContext, Products } from "./operator.ts";
import type { BatchOutput } from "./output.ts";
import type { SessionRules } from "./sessions/rules.ts";
import { Keyed, type ShardState } from "./state.ts";

/** What a stateless operator is handed as its state: never written to. */
const NO_STATE = new Keyed<unknown>();

type Handler = (c: OperatorContext<unknown, unknown>, event: EventByTopic[EventTopic], time: number) => void;

/** Topic -> (operator index, its handler), built once: the per-event path looks up nothing else. */
const HANDLERS = Object.fromEntries(
  EVENT_TOPICS.map((topic) => [
    topic,
    OPERATORS.flatMap((op, i) => (op.on[topic] ? [{ i, on: op.on[topic] as Handler }] : [])),
  ]),
) as Record<EventTopic, { i: number; on: Handler }[]>;

/** Each operator's view of this shard and batch, in the order of OPERATORS. */
function contexts(state: ShardState, out: BatchOutput, options: ProcessOptions) {
  return OPERATORS.map((op): OperatorContext<unknown, unknown> => ({
    out: out.of(op),
    state: op.namespace ? state.keyed(op.namespace) : NO_STATE,
    products: options.products,
    latenessMs: options.latenessMs,
    sessions: options.sessions,
  }));
}

export interface ShardRecord {
  /** The SPEC topic name (without any deployment prefix). */
  topic: EventTopic;
  partition: number;
  offset: number;
  value: Buffer | null;
}

export interface ProcessOptions {
  latenessMs: number;
  /** How far ahead of `now` an event may be before it is refused. */
  maxFutureMs: number;
  /** Wall-clock time of the batch (for the future bound and DLQ timestamps). */
  now: number;
  products: Products;
  sessions: SessionRules;
  /** Topics whose partition on this shard has had no records for a while: they hold nothing back. */
  idle: ReadonlySet<EventTopic>;
}

function reject(out: BatchOutput, r: ShardRecord, reason: string, now: number): void {
  out.countsOf(r.topic).dlq += 1;
  out.dead.push({
    topic: r.topic,
    partition: r.partition,
    offset: r.offset,
    record: toDlqRecord({ originalTopic: r.topic, raw: r.value ?? Buffer.alloc(0), reason, at: now }),
  });
}

export function processRecords(
  state: ShardState,
  records: readonly ShardRecord[],
  out: BatchOutput,
  options: ProcessOptions,
): void {
  const { latenessMs, now } = options;
  const ctx = contexts(state, out, options);
  for (const r of records) {
    const counts = out.countsOf(r.topic);
    counts.events += 1;
    counts.bytes += r.value?.length ?? 0;
    if (r.value === null) {
      reject(out, r, "(event): the record has no value", now);
      continue;
    }
    let value: unknown;
    try {
      value = JSON.parse(r.value.toString("utf8"));
    } catch (err) {
      reject(out, r, `(event): not valid JSON (${(err as Error).message})`, now);
      continue;
    }
    const result = validateEvent(r.topic, value, { now, maxFutureMs: options.maxFutureMs });
    if (!result.ok) {
      reject(out, r, result.reason, now);
      continue;
    }
    const time = result.timestampMs;

    const max = state.maxTime.get(r.topic);
    if (max !== undefined && time < max - latenessMs) {
      counts.late += 1;
      out.late.push({
        topic: r.topic,
        partition: r.partition,
        offset: r.offset,
        eventTime: time,
        watermark: max - latenessMs,
        payload: value,
      });
      continue;
    }
    if (max === undefined || time > max) state.maxTime.set(r.topic, time);

    const id = (value as Record<string, string>)[ID_FIELD[r.topic]]!;
    const seenKey = `${r.topic}:${id}`;
    if (state.seen.has(seenKey)) {
      counts.duplicates += 1;
      continue;
    }
    state.seen.add(seenKey, time, r.topic, r.offset);

    for (const h of HANDLERS[r.topic]) h.on(ctx[h.i]!, result.event, time);
  }
}

/**
 * The shard's watermark: the slowest partition's, ignoring idle ones (unless all are idle,
 * then the fastest's, so a quiet shard still closes what it holds). -Infinity until known.
 */
export function shardWatermark(
  state: ShardState,
  options: Pick<ProcessOptions, "latenessMs" | "idle">,
): number {
  let slowest = Infinity;
  let fastest = -Infinity;
  for (const topic of EVENT_TOPICS) {
    const max = state.maxTime.get(topic);
    const idle = options.idle.has(topic);
    if (max === undefined) {
      if (!idle) return -Infinity;
      continue;
    }
    const wm = max - options.latenessMs;
    if (!idle && wm < slowest) slowest = wm;
    if (wm > fastest) fastest = wm;
  }
  return slowest === Infinity ? fastest : slowest;
}

/** Closes what the shard's watermark has passed; returns the watermark. */
export function advance(state: ShardState, out: BatchOutput, options: ProcessOptions): number {
  const watermark = shardWatermark(state, options);
  if (watermark === -Infinity) return watermark;
  const ctx = contexts(state, out, options);
  OPERATORS.forEach((op, i) => op.onWatermark?.(ctx[i]!, watermark));
  return watermark;
}

/**
 * Forgets event ids older than their partition's watermark: a copy of such an event would be
 * late anyway, so it can never be counted twice. Costs a scan, so the caller runs it now and
 * then rather than every batch.
 */
export function pruneSeen(state: ShardState, latenessMs: number): void {
  const limits = new Map<string, number>();
  for (const topic of EVENT_TOPICS) {
    const max = state.maxTime.get(topic);
    if (max !== undefined) limits.set(topic, max - latenessMs);
  }
  state.seen.prune((key) => limits.get(key.slice(0, key.indexOf(":"))));
}
