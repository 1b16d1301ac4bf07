/**
 * A rebuild replays the topics from their oldest record, so every operator's state is what it
 * was, but only rows at or after the rebuild's point in time may be written again: the rows
 * before it were left in place and most tables add deltas. This drops, from a batch's output,
 * what belongs before `from` (by the event time each table is keyed on: each operator's `since`);
 * dead letters and late events are keyed by their record and written once anyway.
 */
import { OPERATORS } from "../operators/all.ts";
import { BatchOutput } from "../operators/output.ts";

export function outputFrom(out: BatchOutput, since: number): BatchOutput {
  const kept = new BatchOutput();
  for (const op of OPERATORS) kept.put(op, op.since(out.of(op), since));
  for (const l of out.late) kept.late.push(l);
  for (const d of out.dead) kept.dead.push(d);
  for (const [k, v] of out.counts) kept.counts.set(k, v);
  return kept;
}
