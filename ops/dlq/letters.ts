/**
 * Dead letters as the operator sees them, from both places they are kept: the dlq.events topic
 * (the edge's refusals and the stream's copies) and the stream's exactly-once table
 * stream_dead_letters. Pure: parsing, filtering and the identity a replay is recorded under.
 */
import { createHash } from "node:crypto";
import { dlqPayloadBytes } from "../../core/events/dlq.ts";
import type { DlqRecord } from "../../core/events/schemas.ts";

export type LetterSource = "topic" | "stream";

export interface Letter {
  /** `t-<partition>-<offset>` on dlq.events, `s-<topic>-<partition>-<offset>` in the stream's table. */
  id: string;
  source: LetterSource;
  original_topic: string;
  event_id: string | null;
  reason: string;
  retry_count: number;
  /** When the failure was decided (the record's own timestamp). */
  at: string;
  payload: string;
  payload_encoding: "utf8" | "base64";
}

export interface LetterFilter {
  source?: LetterSource;
  /** The original topic (SPEC name). */
  topic?: string;
  /** Case-insensitive substring of the reason. */
  reason?: string;
  fromMs?: number;
  toMs?: number;
}

function isDlqRecord(v: unknown): v is DlqRecord {
  const r = v as Partial<DlqRecord> | null;
  return (
    typeof r === "object" &&
    r !== null &&
    typeof r.original_topic === "string" &&
    typeof r.error_reason === "string" &&
    typeof r.payload === "string" &&
    typeof r.timestamp === "string"
  );
}

/** A dlq.events record; one that is not a DLQ record at all is shown as such, never dropped. */
export function topicLetter(partition: number, offset: number, value: Buffer): Letter {
  const id = `t-${partition}-${offset}`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value.toString("utf8"));
  } catch {
    parsed = undefined;
  }
  if (!isDlqRecord(parsed))
    return {
      id,
      source: "topic",
      original_topic: "(unknown)",
      event_id: null,
      reason: "not a DLQ record: the dlq.events record itself is malformed",
      retry_count: 0,
      at: new Date(0).toISOString(),
      payload: value.toString("base64"),
      payload_encoding: "base64",
    };
  return fromRecord(id, "topic", parsed);
}

export function streamLetter(row: {
  topic: string;
  kafka_partition: number;
  kafka_offset: string | number;
  record: DlqRecord;
}): Letter {
  return fromRecord(`s-${row.topic}-${row.kafka_partition}-${row.kafka_offset}`, "stream", row.record);
}

function fromRecord(id: string, source: LetterSource, r: DlqRecord): Letter {
  return {
    id,
    source,
    original_topic: r.original_topic,
    event_id: r.event_id ?? null,
    reason: r.error_reason,
    retry_count: r.retry_count ?? 0,
    at: r.timestamp,
    payload: r.payload,
    payload_encoding: r.payload_encoding === "base64" ? "base64" : "utf8",
  };
}

export function matches(letter: Letter, f: LetterFilter): boolean {
  if (f.source !== undefined && letter.source !== f.source) return false;
  if (f.topic !== undefined && letter.original_topic !== f.topic) return false;
  if (f.reason !== undefined && !letter.reason.toLowerCase().includes(f.reason.toLowerCase())) return false;
  const at = Date.parse(letter.at);
  if (f.fromMs !== undefined && !(at >= f.fromMs)) return false;
  if (f.toMs !== undefined && !(at < f.toMs)) return false;
  return true;
}

/** The original bytes the letter kept. */
export function payloadBytes(letter: Letter): Buffer {
  return dlqPayloadBytes({ payload: letter.payload, payload_encoding: letter.payload_encoding } as DlqRecord);
}

/**
 * What a replay is recorded under: the original topic and bytes. A letter the stream refused
 * has the same key in its table and on the topic, so neither copy can be sent after the other.
 */
export function letterKey(letter: Letter): string {
  return createHash("sha256")
    .update(letter.original_topic)
    .update("\n")
    .update(payloadBytes(letter))
    .digest("hex");
}
