/**
 * What one batch of a shard produces: additive deltas for the tables every shard writes to
 * (per-minute metrics, units, stock), rows keyed by natural keys for the rest, and the records
 * that go to the late-events table or the DLQ. Pure data; the Postgres adapter writes it.
 */
import type { AnomalyType } from "../../core/anomaly-rules.ts";
import type { DlqRecord } from "../../core/events/schemas.ts";
import type { EventTopic } from "../../core/events/topics.ts";

export const MINUTE = 60_000;
export const HOUR = 3_600_000;
export const windowOf = (ms: number, size = MINUTE) => ms - (((ms % size) + size) % size);
/** Money in integer cents, so sums are exact. */
export const cents = (amount: number) => Math.round(amount * 100);

export interface SalesDelta {
  window: number;
  category: string;
  country: string;
  revenueCents: number;
  transactions: number;
  units: number;
}

export interface AnomalyRow {
  transactionId: string;
  type: AnomalyType;
  userId: string;
  eventTime: number;
  amountCents: number;
  score: number;
  description: string;
}

export interface SessionRow {
  sessionId: string;
  userId: string;
  start: number;
  end: number;
  pageViews: number;
  cartAdds: number;
  cartRemoves: number;
  cartUpdates: number;
  purchases: number;
  purchaseCents: number;
  abandoned: boolean;
}

export interface AbandonmentRow {
  sessionId: string;
  userId: string;
  lastCartActivity: number;
  abandonedAt: number;
  items: number;
  distinctProducts: number;
  valueCents: number;
}

export interface SourceRef {
  topic: EventTopic;
  partition: number;
  offset: number;
}

export interface LateRow extends SourceRef {
  eventTime: number;
  watermark: number;
  payload: unknown;
}

export interface DeadLetter extends SourceRef {
  record: DlqRecord;
}

export interface TopicCounts {
  events: number;
  bytes: number;
  dlq: number;
  late: number;
  duplicates: number;
}

export class BatchOutput {
  readonly sales = new Map<string, SalesDelta>();
  readonly funnel = new Map<number, { views: number; cartAdds: number; purchases: number }>();
  readonly payments = new Map<
    string,
    { window: number; method: string; transactions: number; cents: number }
  >();
  readonly refunds = new Map<number, { refunds: number; cents: number }>();
  readonly productHours = new Map<string, { hour: number; product: string; units: number }>();
  /** Product -> units sold in this batch, and the latest event time that sold it. */
  readonly stock = new Map<string, { units: number; eventTime: number }>();
  readonly anomalies = new Map<string, AnomalyRow>();
  readonly sessions: SessionRow[] = [];
  readonly abandonments: AbandonmentRow[] = [];
  /** Hours whose top-10 velocity ranking should be (re)computed now. */
  readonly closedHours: number[] = [];
  readonly late: LateRow[] = [];
  readonly dead: DeadLetter[] = [];
  readonly counts = new Map<EventTopic, TopicCounts>();

  countsOf(topic: EventTopic): TopicCounts {
    let c = this.counts.get(topic);
    if (!c) this.counts.set(topic, (c = { events: 0, bytes: 0, dlq: 0, late: 0, duplicates: 0 }));
    return c;
  }

  funnelAt(window: number) {
    let f = this.funnel.get(window);
    if (!f) this.funnel.set(window, (f = { views: 0, cartAdds: 0, purchases: 0 }));
    return f;
  }

  /** Keeps the highest-scoring version of an anomaly row (a growing run re-flags members). */
  flag(row: AnomalyRow): void {
    const key = `${row.transactionId}|${row.type}`;
    const prior = this.anomalies.get(key);
    if (!prior || row.score > prior.score) this.anomalies.set(key, row);
  }

  /** Rows that change a table (as opposed to only counts and state). */
  get rowCount(): number {
    return (
      this.sales.size +
      this.funnel.size +
      this.payments.size +
      this.refunds.size +
      this.anomalies.size +
      this.sessions.length +
      this.abandonments.length +
      this.late.length +
      this.dead.length
    );
  }
}

function addInto<K, V extends object>(
  into: Map<K, V>,
  from: ReadonlyMap<K, V>,
  add: (a: V, b: V) => void,
): void {
  for (const [key, value] of from) {
    const prior = into.get(key);
    if (prior) add(prior, value);
    else into.set(key, { ...value });
  }
}

/** push(...from) without an argument per element (a replay's late rows can be many). */
function append<T>(into: T[], from: readonly T[]): void {
  for (const item of from) into.push(item);
}

/**
 * Several shards' outputs as one, for a commit that writes them together: additive deltas
 * summed per key (so a minute's sales row is upserted once, not once per shard), rows keyed by
 * their entity concatenated (an entity lives in one shard). The inputs are left unchanged.
 */
export function mergeOutputs(outputs: readonly BatchOutput[]): BatchOutput {
  if (outputs.length === 1) return outputs[0]!;
  const merged = new BatchOutput();
  for (const out of outputs) {
    addInto(merged.sales, out.sales, (a, b) => {
      a.revenueCents += b.revenueCents;
      a.transactions += b.transactions;
      a.units += b.units;
    });
    addInto(merged.funnel, out.funnel, (a, b) => {
      a.views += b.views;
      a.cartAdds += b.cartAdds;
      a.purchases += b.purchases;
    });
    addInto(merged.payments, out.payments, (a, b) => {
      a.transactions += b.transactions;
      a.cents += b.cents;
    });
    addInto(merged.refunds, out.refunds, (a, b) => {
      a.refunds += b.refunds;
      a.cents += b.cents;
    });
    addInto(merged.productHours, out.productHours, (a, b) => {
      a.units += b.units;
    });
    addInto(merged.stock, out.stock, (a, b) => {
      a.units += b.units;
      a.eventTime = Math.max(a.eventTime, b.eventTime);
    });
    addInto(merged.counts, out.counts, (a, b) => {
      a.events += b.events;
      a.bytes += b.bytes;
      a.dlq += b.dlq;
      a.late += b.late;
      a.duplicates += b.duplicates;
    });
    for (const row of out.anomalies.values()) merged.flag(row);
    append(merged.sessions, out.sessions);
    append(merged.abandonments, out.abandonments);
    for (const hour of out.closedHours) if (!merged.closedHours.includes(hour)) merged.closedHours.push(hour);
    append(merged.late, out.late);
    append(merged.dead, out.dead);
  }
  return merged;
}
