/**
 * A rebuild replays the topics from their oldest record, so every operator's state is what it
 * was, but only rows at or after the rebuild's point in time may be written again: the rows
 * before it were left in place and most tables add deltas. This drops, from a batch's output,
 * what belongs before `from` (by the event time each table is keyed on). Stock moves are kept
 * whole, since inventory_status is the current stock and the rebuild reset it to the
 * catalogue's; dead letters and late events are keyed by their record and written once anyway.
 */
import { BatchOutput } from "../operators/output.ts";

function keep<K, V>(into: Map<K, V>, from: ReadonlyMap<K, V>, at: (v: V) => number, since: number): void {
  for (const [k, v] of from) if (at(v) >= since) into.set(k, v);
}

export function outputFrom(out: BatchOutput, since: number): BatchOutput {
  const kept = new BatchOutput();
  keep(kept.sales, out.sales, (s) => s.window, since);
  for (const [window, f] of out.funnel) if (window >= since) kept.funnel.set(window, f);
  keep(kept.payments, out.payments, (p) => p.window, since);
  for (const [window, r] of out.refunds) if (window >= since) kept.refunds.set(window, r);
  keep(kept.productHours, out.productHours, (h) => h.hour, since);
  for (const [k, v] of out.stock) kept.stock.set(k, v);
  keep(kept.anomalies, out.anomalies, (a) => a.eventTime, since);
  for (const s of out.sessions) if (s.end >= since) kept.sessions.push(s);
  for (const a of out.abandonments) if (a.abandonedAt >= since) kept.abandonments.push(a);
  for (const hour of out.closedHours) if (hour >= since) kept.closedHours.push(hour);
  for (const l of out.late) kept.late.push(l);
  for (const d of out.dead) kept.dead.push(d);
  for (const [k, v] of out.counts) kept.counts.set(k, v);
  return kept;
}
