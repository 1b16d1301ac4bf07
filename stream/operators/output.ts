/**
 * What one batch of a shard produces: each operator's output (operator.ts), the records that
 * go to the late-events table or the DLQ, and per-topic counts. Pure data; the Postgres adapter
 * (write-output.ts) writes it.
 */
import type { DlqRecord } from "../../core/events/schemas.ts";
import type { EventTopic } from "../../core/events/topics.ts";
import { OPERATORS } from "./all.ts";
import { addInto, append, type Operator } from "./operator.ts";

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
  private readonly parts = new Map<Operator, unknown>(OPERATORS.map((op) => [op, op.output()]));
  readonly late: LateRow[] = [];
  readonly dead: DeadLetter[] = [];
  readonly counts = new Map<EventTopic, TopicCounts>();

  /** The operator's output in this batch. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the state type is not the output's business
  of<O>(op: Operator<O, any>): O {
    return this.parts.get(op as Operator) as O;
  }

  /** Replaces the operator's output (a rebuild keeps the filtered part, without copying it). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- as in of()
  put<O>(op: Operator<O, any>, part: O): void {
    this.parts.set(op as Operator, part);
  }

  countsOf(topic: EventTopic): TopicCounts {
    let c = this.counts.get(topic);
    if (!c) this.counts.set(topic, (c = { events: 0, bytes: 0, dlq: 0, late: 0, duplicates: 0 }));
    return c;
  }

  /** Rows that change a table (as opposed to only counts and state). */
  get rowCount(): number {
    let n = this.late.length + this.dead.length;
    for (const op of OPERATORS) n += op.rows(this.of(op));
    return n;
  }
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
    for (const op of OPERATORS) op.merge(merged.of(op), out.of(op));
    addInto(merged.counts, out.counts, (a, b) => {
      a.events += b.events;
      a.bytes += b.bytes;
      a.dlq += b.dlq;
      a.late += b.late;
      a.duplicates += b.duplicates;
    });
    append(merged.late, out.late);
    append(merged.dead, out.dead);
  }
  return merged;
}
