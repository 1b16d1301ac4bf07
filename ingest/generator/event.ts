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

let minuteStart = NaN;
let minutePrefix = "";

/**
 * ISO 8601 UTC with milliseconds, as Date#toISOString gives, but caching the date and
 * hour:minute part: consecutive events mostly share it, and this runs for every event.
 */
export function iso(ms: number): string {
  const offset = ms - minuteStart;
  if (!(offset >= 0 && offset < 60_000)) {
    minuteStart = ms - (((ms % 60_000) + 60_000) % 60_000);
    minutePrefix = new Date(minuteStart).toISOString().slice(0, 17);
    return iso(ms);
  }
  const seconds = Math.floor(offset / 1000);
  const millis = offset - seconds * 1000;
  return `${minutePrefix}${seconds < 10 ? "0" : ""}${seconds}.${millis < 10 ? "00" : millis < 100 ? "0" : ""}${millis}Z`;
}

/** Sum of price x quantity in whole cents, so totals are exact to the cent. */
export function totalOf(items: readonly { price: number; quantity: number }[]): number {
  let cents = 0;
  for (const item of items) cents += Math.round(item.price * 100) * item.quantity;
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
