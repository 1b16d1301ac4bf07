/**
 * Validation at the edge (SPEC section 3): every event is checked before it reaches its topic.
 * A rejected one goes to `dlq.events` with the reason and its original bytes, so nothing
 * offered here vanishes and nothing invalid reaches the stream layer. Used by the generator,
 * replay and the HTTP collector alike.
 */
import type { LogProducer, LogRecord } from "../core/eventlog/port.ts";
import { toDlqRecord } from "../core/events/dlq.ts";
import { DLQ_TOPIC, isEventTopic } from "../core/events/topics.ts";
import { validateEvent, type ValidationOptions } from "../core/events/validate.ts";
import { LIMITS } from "../core/events/schemas.ts";

export type EdgeResult =
  { ok: true; record: LogRecord } | { ok: false; field: string; reason: string; record: LogRecord };

/**
 * Checks one event and returns the record to write: to its topic when valid, otherwise a DLQ
 * record. `raw` is the event's original bytes when there were any (HTTP body, file line).
 */
export function admit(
  topic: string,
  value: unknown,
  options: ValidationOptions & { raw?: Uint8Array | string } = {},
): EdgeResult {
  const raw = options.raw ?? JSON.stringify(value) ?? "";
  const size = typeof raw === "string" ? Buffer.byteLength(raw) : raw.length;
  if (size > LIMITS.maxEventBytes) {
    const reason = `(event): ${size} bytes, more than the ${LIMITS.maxEventBytes} an event may have`;
    return { ok: false, field: "(event)", reason, record: dlqRecord(topic, raw, reason) };
  }
  if (!isEventTopic(topic)) {
    const reason = `topic: unknown topic ${JSON.stringify(topic).slice(0, 80)}`;
    return { ok: false, field: "topic", reason, record: dlqRecord(topic, raw, reason) };
  }
  const result = validateEvent(topic, value, options);
  if (!result.ok)
    return {
      ok: false,
      field: result.field,
      reason: result.reason,
      record: dlqRecord(topic, raw, result.reason),
    };
  return { ok: true, record: { topic, key: result.event.user_id, value: Buffer.from(raw) } };
}

/** A DLQ record for anything that could not be admitted, keyed by its user when one is known. */
export function dlqRecord(
  originalTopic: string,
  raw: Uint8Array | string,
  reason: string,
  retryCount = 0,
): LogRecord {
  const record = toDlqRecord({ originalTopic, raw, reason, retryCount });
  let key = "";
  try {
    const parsed: unknown = JSON.parse(typeof raw === "string" ? raw : Buffer.from(raw).toString("utf8"));
    const userId = (parsed as { user_id?: unknown } | null)?.user_id;
    if (typeof userId === "string" && userId.length <= 100) key = userId;
  } catch {
    // not JSON: no key to keep
  }
  return { topic: DLQ_TOPIC, key, value: Buffer.from(JSON.stringify(record)) };
}

/** Enqueues admitted records on the log; reports back-pressure like LogProducer.enqueue. */
export class EdgePublisher {
  accepted = 0;
  rejected = 0;

  constructor(
    private readonly log: LogProducer,
    private readonly validation: ValidationOptions = {},
  ) {}

  offer(topic: string, value: unknown, raw?: Uint8Array | string): { result: EdgeResult; room: boolean } {
    const result = admit(topic, value, { ...this.validation, ...(raw === undefined ? {} : { raw }) });
    if (result.ok) this.accepted++;
    else this.rejected++;
    return { result, room: this.log.enqueue(result.record) };
  }

  waitForRoom(): Promise<void> {
    return this.log.waitForRoom();
  }

  flush(): Promise<void> {
    return this.log.flush();
  }
}
