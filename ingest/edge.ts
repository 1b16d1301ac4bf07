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

export type Check = { ok: true; userId: string } | { ok: false; field: string; reason: string };

/**
 * The edge rules for one event, without building any record: size, topic, schema and
 * semantics. `raw` is the event's serialised form (its original bytes when there were any).
 * Callers that serialise events themselves (the generator's worker) use this directly.
 */
export function check(
  topic: string,
  value: unknown,
  raw: Uint8Array | string,
  options: ValidationOptions = {},
): Check {
  // A UTF-16 unit is at most 3 UTF-8 bytes: short strings need no byte count.
  const size =
    typeof raw !== "string"
      ? raw.length
      : raw.length * 3 <= LIMITS.maxEventBytes
        ? 0
        : Buffer.byteLength(raw);
  if (size > LIMITS.maxEventBytes) {
    return {
      ok: false,
      field: "(event)",
      reason: `(event): ${size} bytes, more than the ${LIMITS.maxEventBytes} an event may have`,
    };
  }
  if (!isEventTopic(topic))
    return {
      ok: false,
      field: "topic",
      reason: `topic: unknown topic ${JSON.stringify(topic).slice(0, 80)}`,
    };
  const result = validateEvent(topic, value, options);
  return result.ok
    ? { ok: true, userId: result.event.user_id }
    : { ok: false, field: result.field, reason: result.reason };
}

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
  const result = check(topic, value, raw, options);
  if (!result.ok) return { ...result, record: dlqRecord(topic, raw, result.reason) };
  return { ok: true, record: { topic, key: result.userId, value: Buffer.from(raw) } };
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
