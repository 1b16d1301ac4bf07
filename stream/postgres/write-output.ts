/**
 * Writes a batch's output: each operator's rows through its own writer (operators/<name>/
 * write.ts), then the late events, dead letters and operational counts. Statements are
 * multi-row (arrays bound as parameters and expanded with unnest). Tables every shard writes to
 * take additive upserts, so concurrent workers never overwrite each other; the rest are keyed
 * by natural keys and idempotent. Rows are sorted by key so transactions lock in one order.
 */
import type { SqlClient } from "../../core/db/sql.ts";
import { OPERATORS } from "../operators/all.ts";
import type { BatchOutput, TopicCounts } from "../operators/output.ts";

const ts = (column: string) => `to_timestamp(${column}::double precision / 1000)`;

export async function writeOutput(
  tx: SqlClient,
  out: BatchOutput,
  ops: { minute: number; lag: ReadonlyMap<string, number> },
): Promise<void> {
  for (const op of OPERATORS) await op.write(tx, out.of(op));
  if (out.late.length > 0) {
    await tx.query(
      `INSERT INTO late_events (topic, kafka_partition, kafka_offset, event_time, watermark, payload)
       SELECT t, p, o, ${ts("e")}, ${ts("w")}, j FROM unnest($1::text[], $2::int[], $3::bigint[], $4::bigint[], $5::bigint[], $6::text[])
         AS x(t, p, o, e, w, j)
       ON CONFLICT DO NOTHING`,
      [
        out.late.map((r) => r.topic),
        out.late.map((r) => r.partition),
        out.late.map((r) => r.offset),
        out.late.map((r) => r.eventTime),
        out.late.map((r) => r.watermark),
        out.late.map((r) => JSON.stringify(r.payload)),
      ],
    );
  }
  if (out.dead.length > 0) {
    await tx.query(
      `INSERT INTO stream_dead_letters (topic, kafka_partition, kafka_offset, reason, record)
       SELECT * FROM unnest($1::text[], $2::int[], $3::bigint[], $4::text[], $5::text[]) ON CONFLICT DO NOTHING`,
      [
        out.dead.map((r) => r.topic),
        out.dead.map((r) => r.partition),
        out.dead.map((r) => r.offset),
        out.dead.map((r) => r.record.error_reason),
        out.dead.map((r) => JSON.stringify(r.record)),
      ],
    );
  }
  if (out.counts.size > 0) {
    const topics = [...out.counts.keys()].sort();
    const c = topics.map((t) => out.counts.get(t)!);
    const pick = (f: keyof TopicCounts) => c.map((x) => x[f]);
    await tx.query(
      `INSERT INTO operational_metrics AS o (minute, topic, events, bytes, dlq, late, duplicates, consumer_lag)
       SELECT ${ts("$1::bigint")}, t, e, b, d, l, u, g
       FROM unnest($2::text[], $3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[], $7::bigint[], $8::bigint[]) AS x(t, e, b, d, l, u, g)
       ON CONFLICT (minute, topic) DO UPDATE SET events = o.events + EXCLUDED.events, bytes = o.bytes + EXCLUDED.bytes,
         dlq = o.dlq + EXCLUDED.dlq, late = o.late + EXCLUDED.late, duplicates = o.duplicates + EXCLUDED.duplicates,
         consumer_lag = greatest(EXCLUDED.consumer_lag, o.consumer_lag)`,
      [
        ops.minute,
        topics,
        pick("events"),
        pick("bytes"),
        pick("dlq"),
        pick("late"),
        pick("duplicates"),
        topics.map((t) => ops.lag.get(t) ?? null),
      ],
    );
  }
}
