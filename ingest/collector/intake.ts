/**
 * What the collector does with a request body, without HTTP: split it into events (a JSON
 * array or NDJSON of `{"topic","value"}` envelopes, `key` allowed and ignored because the key
 * is always the event's user_id), check each at the edge, drop ids already accepted within the
 * dedup window, and say per event what happened.
 */
import { hash } from "node:crypto";
import { LRUCache } from "lru-cache";
import type { LogRecord } from "../../core/eventlog/port.ts";
import { LakehouseError } from "../../core/errors.ts";
import { ID_FIELD, isEventTopic, type EventTopic } from "../../core/events/topics.ts";
import { eventIdOf, nestedTooDeep, TOO_DEEP } from "../../core/events/validate.ts";
import { admit, dlqRecord } from "../edge.ts";

export type Entry =
  | { ok: true; topic: string; value: unknown; raw: string }
  | { ok: false; topic: string; raw: string; field: string; reason: string };

export interface EventResult {
  index: number;
  status: "accepted" | "duplicate" | "rejected";
  topic: string;
  id?: string | null;
  field?: string;
  reason?: string;
}

function entryOf(envelope: unknown, raw: string, where: string): Entry {
  if (typeof envelope !== "object" || envelope === null || Array.isArray(envelope)) {
    return {
      ok: false,
      topic: "unknown",
      raw,
      field: "(event)",
      reason: `${where}: expected an object {"topic","value"}`,
    };
  }
  const { topic, value } = envelope as { topic?: unknown; value?: unknown };
  if (typeof topic !== "string")
    return {
      ok: false,
      topic: "unknown",
      raw,
      field: "topic",
      reason: `${where}.topic: expected a topic name`,
    };
  if (value === undefined)
    return { ok: false, topic, raw, field: "value", reason: `${where}.value: required field is missing` };
  // Before it is serialised again: a deep enough value overflows JSON.stringify's stack.
  if (nestedTooDeep(value))
    return { ok: false, topic, raw, field: "(event)", reason: `${where}: ${TOO_DEEP}` };
  return { ok: true, topic, value, raw: JSON.stringify(value) };
}

/** Splits a JSON array body. A body that is not a JSON array is a client error (HTTP 400). */
export function entriesFromJson(text: string): Entry[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new LakehouseError("VALIDATION_FAILED", `body: malformed JSON (${(err as Error).message})`, {
      context: { field: "body" },
    });
  }
  if (!Array.isArray(parsed))
    throw new LakehouseError("VALIDATION_FAILED", "body: expected a JSON array of events", {
      context: { field: "body" },
    });
  return parsed.map((envelope, i) => entryOf(envelope, JSON.stringify(envelope) ?? "", `[${i}]`));
}

/** Splits an NDJSON body; a malformed line fails alone (it is kept for the DLQ). */
export function entriesFromNdjson(text: string): Entry[] {
  const entries: Entry[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === "") continue;
    try {
      entries.push(entryOf(JSON.parse(line), line, `line ${i + 1}`));
    } catch (err) {
      entries.push({
        ok: false,
        topic: "unknown",
        raw: line,
        field: "(event)",
        reason: `line ${i + 1}: malformed JSON (${(err as Error).message})`,
      });
    }
  }
  return entries;
}

/**
 * Ids accepted recently, per topic, each with a fingerprint of its body: an id seen again within
 * the window is a duplicate when the body is the same (a client's retry), and a conflict when
 * it is not (two events under one id: the second is refused rather than silently dropped).
 */
export class RecentIds {
  private readonly cache: LRUCache<string, string>;

  constructor(windowMs: number, maxIds: number) {
    this.cache = new LRUCache({ max: maxIds, ttl: windowMs, ttlAutopurge: false });
  }

  /** The fingerprint the id was accepted with, or undefined when it was not seen. */
  fingerprint(topic: string, id: string): string | undefined {
    return this.cache.get(`${topic}\u0000${id}`);
  }

  remember(topic: string, id: string, fingerprint: string): void {
    this.cache.set(`${topic}\u0000${id}`, fingerprint);
  }
}

/** The body's digest (its canonical JSON: entries are re-serialised, so whitespace does not count). */
export const fingerprintOf = (raw: string): string => hash("sha1", raw, "base64");

export interface Intake {
  results: EventResult[];
  /** What to write: accepted events and DLQ records for rejected ones. */
  records: LogRecord[];
  /** Ids to remember once the write is acknowledged. */
  accepted: { topic: string; id: string; fingerprint: string }[];
}

export function intake(entries: Entry[], recent: RecentIds): Intake {
  const results: EventResult[] = [];
  const records: LogRecord[] = [];
  const accepted: Intake["accepted"] = [];
  const inThisRequest = new Map<string, string>();
  entries.forEach((entry, index) => {
    if (!entry.ok) {
      results.push({
        index,
        status: "rejected",
        topic: entry.topic,
        field: entry.field,
        reason: entry.reason,
      });
      records.push(dlqRecord(entry.topic, entry.raw, entry.reason));
      return;
    }
    const admitted = admit(entry.topic, entry.value, { raw: entry.raw });
    const id = isEventTopic(entry.topic) ? eventIdOf(entry.topic, entry.value) : null;
    if (!admitted.ok) {
      results.push({
        index,
        status: "rejected",
        topic: entry.topic,
        id,
        field: admitted.field,
        reason: admitted.reason,
      });
      records.push(admitted.record);
      return;
    }
    if (id !== null) {
      const seen = `${entry.topic}\u0000${id}`;
      const fingerprint = fingerprintOf(entry.raw);
      const before = recent.fingerprint(entry.topic, id) ?? inThisRequest.get(seen);
      if (before === fingerprint) {
        results.push({ index, status: "duplicate", topic: entry.topic, id });
        return;
      }
      if (before !== undefined) {
        const field = ID_FIELD[entry.topic as EventTopic];
        const reason = `${field}: ${id} was already accepted with another body`;
        results.push({ index, status: "rejected", topic: entry.topic, id, field, reason });
        records.push(dlqRecord(entry.topic, entry.raw, reason));
        return;
      }
      inThisRequest.set(seen, fingerprint);
      accepted.push({ topic: entry.topic, id, fingerprint });
    }
    results.push({ index, status: "accepted", topic: entry.topic, id });
    records.push(admitted.record);
  });
  return { results, records, accepted };
}
