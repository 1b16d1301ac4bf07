/**
 * Building `dlq.events` records (SPEC section 3). The original bytes are always kept: as text
 * when they are valid UTF-8 JSON, otherwise base64, so a record can be repaired and replayed.
 */
import { isEventTopic } from "./topics.ts";
import { eventIdOf } from "./validate.ts";
import { LIMITS, type DlqRecord } from "./schemas.ts";

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

export interface DlqInput {
  originalTopic: string;
  raw: Uint8Array | string;
  reason: string;
  retryCount?: number;
  /** When the failure was decided; defaults to now. */
  at?: number;
}

/** The bytes as text and parsed JSON, or undefined text when they are not UTF-8 JSON. */
function asJson(bytes: Uint8Array): { text: string | undefined; value: unknown } {
  try {
    const text = strictUtf8.decode(bytes);
    return { text, value: JSON.parse(text) };
  } catch {
    return { text: undefined, value: undefined };
  }
}

export function toDlqRecord(input: DlqInput): DlqRecord {
  const all = typeof input.raw === "string" ? Buffer.from(input.raw, "utf8") : input.raw;
  // An oversized payload is cut (and the reason says so): the DLQ record must fit in Kafka too.
  const cut = all.length > LIMITS.maxDlqPayloadBytes;
  const bytes = cut ? all.subarray(0, LIMITS.maxDlqPayloadBytes) : all;
  const { text, value } = asJson(bytes);
  return {
    original_topic: input.originalTopic,
    event_id: isEventTopic(input.originalTopic) ? eventIdOf(input.originalTopic, value) : null,
    error_reason: cut
      ? `${input.reason} (payload cut to its first ${LIMITS.maxDlqPayloadBytes} of ${all.length} bytes)`
      : input.reason,
    retry_count: input.retryCount ?? 0,
    timestamp: new Date(input.at ?? Date.now()).toISOString(),
    payload: text ?? Buffer.from(bytes).toString("base64"),
    payload_encoding: text === undefined ? "base64" : "utf8",
  };
}

/** The original bytes of a DLQ record, for replay. */
export function dlqPayloadBytes(record: DlqRecord): Buffer {
  return Buffer.from(record.payload, record.payload_encoding === "base64" ? "base64" : "utf8");
}
