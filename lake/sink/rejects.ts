/**
 * Records the sink cannot store as typed rows become DLQ rows, with a reason naming what is
 * wrong. Only the few records DuckDB refused come here, so parsing them in JavaScript costs
 * nothing on the normal path.
 */
import { toDlqRecord } from "../../core/events/dlq.ts";
import type { DlqRecord } from "../../core/events/schemas.ts";
import { isEventTopic } from "../../core/events/topics.ts";
import { validateEvent } from "../../core/events/validate.ts";
import type { SinkRecord } from "./topic-batch.ts";

export type Inspection = { ok: true; canonical: string } | { ok: false; reason: string };

/** Parses a record DuckDB refused or could not read as one line. */
export function inspect(value: Buffer | null): Inspection {
  if (value === null || value.length === 0) return { ok: false, reason: "(event): the record has no value" };
  let parsed: unknown;
  try {
    parsed = JSON.parse(value.toString("utf8"));
  } catch (err) {
    return { ok: false, reason: `(event): not valid JSON (${(err as Error).message})` };
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
    return { ok: false, reason: "(event): expected a JSON object" };
  return { ok: true, canonical: JSON.stringify(parsed) };
}

/** Why a parsed record does not fit its bronze table, in the edge validator's words when it can. */
export function schemaReason(topic: string, canonical: string): string {
  if (isEventTopic(topic)) {
    const result = validateEvent(topic, JSON.parse(canonical), {
      maxFutureMs: Infinity,
      minTimestampMs: -Infinity,
    });
    if (!result.ok) return result.reason;
  }
  return `(event): does not fit the bronze schema of ${topic} (a field has the wrong type, is missing, or its timestamp is outside the years 1970-9999)`;
}

export function rejectRecord(topic: string, record: SinkRecord, reason: string): DlqRecord {
  return toDlqRecord({
    originalTopic: topic,
    raw: record.value ?? Buffer.alloc(0),
    reason: `lake sink: ${reason}`,
    // The record's own Kafka time, so a rewrite after a crash produces the same row.
    at: record.timestamp,
  });
}
