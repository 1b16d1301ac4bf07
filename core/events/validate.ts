/**
 * Validation at the edge: compiled TypeBox checks (fast path, no allocation on success) plus
 * the rules a schema cannot say (timestamps within bounds, totals that add up). A failure
 * names the field and says what was expected and what came, e.g.
 * `products[0].price: expected number >= 0, got -3`.
 */
import { FormatRegistry, type TSchema } from "@sinclair/typebox";
import { TypeCompiler, type TypeCheck } from "@sinclair/typebox/compiler";
import type { ValueError } from "@sinclair/typebox/errors";
import { ID_FIELD, type EventTopic } from "./topics.ts";
import { LIMITS, SCHEMAS, type EventByTopic, type Transaction, type CartEvent } from "./schemas.ts";

const HEX_DIGIT = new Uint8Array(128);
for (const c of "0123456789abcdefABCDEF") HEX_DIGIT[c.charCodeAt(0)] = 1;

/**
 * 8-4-4-4-12 hex digits, either case. A loop over a digit table: every event carries several
 * ids (measured: 103 ns against 170 for the equivalent regular expression, and 217 for a loop
 * of range comparisons).
 */
export function isUuid(v: string): boolean {
  if (v.length !== 36) return false;
  for (let i = 0; i < 36; i++) {
    const c = v.charCodeAt(i);
    if (i === 8 || i === 13 || i === 18 || i === 23) {
      if (c !== 0x2d) return false;
    } else if (c > 127 || HEX_DIGIT[c] === 0) return false;
  }
  return true;
}

/*
 * Timestamps, though, are checked character by character: Date.parse plus a toISOString round
 * trip was a seventh of the generator's time, and every event carries one.
 */
function digits(v: string, from: number, count: number): number {
  let n = 0;
  for (let i = from; i < from + count; i++) {
    const d = v.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
let lastText = "";
let lastMs: number | undefined;

/**
 * Epoch milliseconds of a strict UTC timestamp (YYYY-MM-DDTHH:MM:SS[.fraction]Z, fraction of
 * 1-9 digits, kept to the millisecond), or undefined for anything else, impossible dates
 * (February 30) included.
 */
export function parseTimestamp(v: string): number | undefined {
  if (v === lastText) return lastMs; // validation asks twice for the same value
  const result = parse(v);
  lastText = v;
  lastMs = result;
  return result;
}

function parse(v: string): number | undefined {
  const n = v.length;
  if (n < 20 || n > 30 || v.charCodeAt(n - 1) !== 90 /* Z */) return undefined;
  if (v[4] !== "-" || v[7] !== "-" || v[10] !== "T" || v[13] !== ":" || v[16] !== ":") return undefined;
  const year = digits(v, 0, 4);
  const month = digits(v, 5, 2);
  const day = digits(v, 8, 2);
  const hour = digits(v, 11, 2);
  const minute = digits(v, 14, 2);
  const second = digits(v, 17, 2);
  if (year < 0 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59)
    return undefined;
  if (second < 0 || second > 59) return undefined;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (day > DAYS_IN_MONTH[month - 1]! + (month === 2 && leap ? 1 : 0)) return undefined;
  let millis = 0;
  if (n > 20) {
    const fraction = n - 21; // digits between "." and "Z"
    if (v[19] !== "." || fraction < 1 || fraction > 9) return undefined;
    const all = digits(v, 20, fraction);
    if (all < 0) return undefined;
    millis =
      Math.floor(all / 10 ** (fraction - 3 > 0 ? fraction - 3 : 0)) * 10 ** (fraction < 3 ? 3 - fraction : 0);
  }
  // Date.UTC reads years 0-99 as 1900-1999; shift by one 400-year Gregorian cycle instead.
  if (year < 100)
    return Date.UTC(year + 400, month - 1, day, hour, minute, second, millis) - 146_097 * 86_400_000;
  return Date.UTC(year, month - 1, day, hour, minute, second, millis);
}

FormatRegistry.Set("uuid", isUuid);
FormatRegistry.Set("timestamp", (v) => parseTimestamp(v) !== undefined);

const compiled = Object.fromEntries(
  Object.entries(SCHEMAS).map(([topic, schema]) => [topic, TypeCompiler.Compile(schema)]),
) as { [T in EventTopic]: TypeCheck<(typeof SCHEMAS)[T]> };

export interface ValidationOptions {
  /** "Now" for the future bound; tests and backfills pass their own clock. */
  now?: number;
  /** How far ahead of now an event may be (clock skew allowance). */
  maxFutureMs?: number;
  /** Events older than this are refused as ancient. */
  minTimestampMs?: number;
}

const DEFAULT_MAX_FUTURE_MS = 5 * 60_000;
const DEFAULT_MIN_TIMESTAMP_MS = Date.UTC(2000, 0, 1);

export type Validation<T> =
  { ok: true; event: T; timestampMs: number } | { ok: false; field: string; reason: string };

function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  const text = JSON.stringify(value) ?? typeof value;
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function fieldOf(path: string): string {
  if (path === "") return "(event)";
  return path
    .slice(1)
    .split("/")
    .map((part, i) => (/^\d+$/.test(part) ? `[${part}]` : i === 0 ? part : `.${part}`))
    .join("");
}

function expectation(schema: TSchema & Record<string, unknown>): string {
  const options = (schema.anyOf as (TSchema & Record<string, unknown>)[] | undefined) ?? [];
  if (options.length > 0 && options.every((o) => o.const !== undefined)) {
    return `one of ${options.map((o) => String(o.const)).join(", ")}`;
  }
  if (options.length > 0)
    return options.map((o) => (o.type === "null" ? "null" : expectation(o))).join(" or ");
  if (schema.format === "uuid") return "a UUID";
  if (schema.format === "timestamp") return "an ISO 8601 UTC timestamp like 2026-11-21T10:00:00.000Z";
  const {
    type,
    minimum: min,
    maximum: max,
    exclusiveMinimum: above,
  } = schema as Record<string, number | string | undefined>;
  const noun =
    type === "integer"
      ? "an integer"
      : type === "number"
        ? "a number"
        : type === "string"
          ? "a string"
          : `${type}`;
  if (min !== undefined && max !== undefined) return `${noun} from ${min} to ${max}`;
  if (above !== undefined && max !== undefined) return `${noun} above ${above} and up to ${max}`;
  if (min !== undefined) return `${noun} >= ${min}`;
  if (schema.minLength !== undefined)
    return `${noun} of ${String(schema.minLength)} to ${String(schema.maxLength)} characters`;
  if (schema.minItems !== undefined)
    return `an array of ${String(schema.minItems)} to ${String(schema.maxItems)} items`;
  if (type === "object") return "an object";
  return noun;
}

function firstError(check: TypeCheck<TSchema>, value: unknown): { field: string; reason: string } {
  // Report the deepest error: "products[0].price" says more than "products".
  let best: ValueError | undefined;
  for (const e of check.Errors(value)) {
    if (!best || e.path.split("/").length > best.path.split("/").length) best = e;
  }
  if (!best) return { field: "(event)", reason: "does not match the schema" };
  const field = fieldOf(best.path);
  if (best.value === undefined) return { field, reason: `${field}: required field is missing` };
  return {
    field,
    reason: `${field}: expected ${expectation(best.schema)}, got ${describe(best.value)}`,
  };
}

function fail(field: string, reason: string): { ok: false; field: string; reason: string } {
  return { ok: false, field, reason: `${field}: ${reason}` };
}

function checkTransaction(tx: Transaction) {
  let sum = 0;
  for (const item of tx.products) sum += item.price * item.quantity;
  const tolerance = Math.max(0.01, tx.total_amount * 1e-9);
  if (Math.abs(sum - tx.total_amount) > tolerance) {
    return fail(
      "total_amount",
      `${tx.total_amount} does not equal the sum of price x quantity over products (${sum.toFixed(2)})`,
    );
  }
  return undefined;
}

function checkCart(ev: CartEvent) {
  if (ev.action === "add" && ev.quantity < 1)
    return fail("quantity", 'an "add" must add at least 1 unit, got 0');
  return undefined;
}

/**
 * True when `value` nests arrays and objects deeper than `max`. Recursive, but never deeper
 * than `max` + 1 calls, and without allocating: it runs on every event the stream worker reads
 * (the stack-based walk it replaces made two arrays per value).
 */
export function nestedTooDeep(value: unknown, max: number = LIMITS.maxDepth): boolean {
  return deeper(value, 0, max);
}

function deeper(v: unknown, depth: number, max: number): boolean {
  if (typeof v !== "object" || v === null) return false;
  if (depth >= max) return true;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) if (deeper(v[i], depth + 1, max)) return true;
  } else {
    const o = v as Record<string, unknown>;
    for (const k in o) if (deeper(o[k], depth + 1, max)) return true;
  }
  return false;
}

export const TOO_DEEP = `(event): nested deeper than ${LIMITS.maxDepth} levels`;

/** Validates a parsed event of `topic`. Never throws. */
export function validateEvent<T extends EventTopic>(
  topic: T,
  value: unknown,
  options: ValidationOptions = {},
): Validation<EventByTopic[T]> {
  const check = compiled[topic] as unknown as TypeCheck<TSchema>;
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return { ok: false, field: "(event)", reason: `(event): expected a JSON object, got ${describe(value)}` };
  }
  if (nestedTooDeep(value)) return { ok: false, field: "(event)", reason: TOO_DEEP };
  if (!check.Check(value)) return { ok: false, ...firstError(check, value) };
  const event = value as EventByTopic[T];
  const timestampMs = parseTimestamp(event.timestamp)!;
  const now = options.now ?? Date.now();
  const maxFuture = options.maxFutureMs ?? DEFAULT_MAX_FUTURE_MS;
  if (timestampMs > now + maxFuture) {
    return fail("timestamp", `${event.timestamp} is more than ${maxFuture / 1000} s in the future`);
  }
  if (timestampMs < (options.minTimestampMs ?? DEFAULT_MIN_TIMESTAMP_MS)) {
    return fail("timestamp", `${event.timestamp} is older than the earliest accepted time`);
  }
  const semantic =
    topic === "transactions"
      ? checkTransaction(event as Transaction)
      : topic === "cart_events"
        ? checkCart(event as CartEvent)
        : undefined;
  return semantic ?? { ok: true, event, timestampMs };
}

/** The event's own id (transaction_id, event_id or refund_id) if it has a string one. */
export function eventIdOf(topic: EventTopic, value: unknown): string | null {
  if (typeof value !== "object" || value === null) return null;
  const id = (value as Record<string, unknown>)[ID_FIELD[topic]];
  return typeof id === "string" && id.length <= 200 ? id : null;
}
