/** What the generator emits: one event with its topic, key and event time. */
import type { EventByTopic } from "../../core/events/schemas.ts";
import type { EventTopic } from "../../core/events/topics.ts";

import { ANOMALY_TYPES, type AnomalyType } from "../../core/anomaly-rules.ts";

export { ANOMALY_TYPES, type AnomalyType };

export type GeneratedEvent = {
  [T in EventTopic]: {
    topic: T;
    /** The Kafka key: the event's user_id. */
    key: string;
    value: EventByTopic[T];
    /** Event time in epoch milliseconds (the value's timestamp). */
    at: number;
    /** Ground truth for planted anomalies (transactions only); never part of the event. */
    labels?: AnomalyType[];
  };
}[EventTopic];

/** Minute -> the character codes of its "YYYY-MM-DDTHH:MM:" prefix, direct-mapped by its low bits. */
const SLOTS = 128;
const PREFIX = 17;
const slotMinute = new Float64Array(SLOTS).fill(NaN);
const slotPrefix = new Uint16Array(SLOTS * PREFIX);
const isoCodes = new Array<number>(24).fill(0);
const ZERO = 0x30;

/**
 * ISO 8601 UTC with milliseconds, as Date#toISOString gives, for integer milliseconds after
 * year 0. The date and hour:minute part is cached per minute in a small table rather than for
 * the last minute only: a session's events are built together and span half an hour, so
 * consecutive calls rarely share a minute (97% misses with one slot; 10x faster with these).
 * Built from character codes into one flat string, not a rope JSON.stringify must flatten.
 */
export function iso(ms: number): string {
  const minute = Math.floor(ms / 60_000);
  const slot = minute & (SLOTS - 1);
  const start = minute * 60_000;
  const base = slot * PREFIX;
  if (slotMinute[slot] !== minute) {
    slotMinute[slot] = minute;
    const prefix = new Date(start).toISOString();
    for (let k = 0; k < PREFIX; k++) slotPrefix[base + k] = prefix.charCodeAt(k);
  }
  if (slotPrefix[base + 4] !== 0x2d) return new Date(ms).toISOString(); // not a 4-digit year
  for (let k = 0; k < PREFIX; k++) isoCodes[k] = slotPrefix[base + k]!;
  const offset = ms - start;
  const seconds = Math.floor(offset / 1000);
  const millis = offset - seconds * 1000;
  isoCodes[17] = ZERO + Math.floor(seconds / 10);
  isoCodes[18] = ZERO + (seconds % 10);
  isoCodes[19] = 0x2e; // .
  isoCodes[20] = ZERO + Math.floor(millis / 100);
  isoCodes[21] = ZERO + (Math.floor(millis / 10) % 10);
  isoCodes[22] = ZERO + (millis % 10);
  isoCodes[23] = 0x5a; // Z
  return String.fromCharCode.apply(null, isoCodes);
}

/** One line of a basket in whole cents: totals are summed in cents, so they are exact. */
export const lineCents = (price: number, quantity: number): number => Math.round(price * 100) * quantity;

/** Sum of price x quantity, exact to the cent. */
export function totalOf(items: readonly { price: number; quantity: number }[]): number {
  let cents = 0;
  for (const item of items) cents += lineCents(item.price, item.quantity);
  return cents / 100;
}

export interface TransactionSpec {
  transactionId: string;
  userId: string;
  sessionId: string | null;
  at: number;
  items: { product_id: string; quantity: number; price: number }[];
  paymentMethod: GeneratedTransaction["value"]["payment_method"];
  country: GeneratedTransaction["value"]["country"];
  labels?: AnomalyType[];
}

export type GeneratedTransaction = Extract<GeneratedEvent, { topic: "transactions" }>;

export function transactionEvent(spec: TransactionSpec): GeneratedTransaction {
  const event: GeneratedTransaction = {
    topic: "transactions",
    key: spec.userId,
    at: spec.at,
    value: {
      transaction_id: spec.transactionId,
      user_id: spec.userId,
      session_id: spec.sessionId,
      timestamp: iso(spec.at),
      products: spec.items,
      total_amount: totalOf(spec.items),
      payment_method: spec.paymentMethod,
      country: spec.country,
    },
  };
  if (spec.labels) event.labels = spec.labels;
  return event;
}

export function viewEvent(
  eventId: string,
  userId: string,
  sessionId: string,
  at: number,
  productId: string,
  category: string,
  durationSeconds: number,
): GeneratedEvent {
  return {
    topic: "product_views",
    key: userId,
    at,
    value: {
      event_id: eventId,
      user_id: userId,
      product_id: productId,
      session_id: sessionId,
      timestamp: iso(at),
      duration_seconds: durationSeconds,
      category,
    },
  };
}

/** A labels.ndjson line (SPEC section 7): the planted anomaly types of one transaction. */
export function labelLine(value: object, labels: readonly AnomalyType[]): string {
  return JSON.stringify({
    transaction_id: (value as { transaction_id: string }).transaction_id,
    anomaly_types: labels,
  });
}
