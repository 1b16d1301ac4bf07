/**
 * Consumer lag from three facts that live in different places: each partition's retained range
 * (Kafka), and the next offset a group will read (Postgres for the stream, Kafka's group offsets
 * for the sink). Pure, so the status command and its test compute it the same way.
 */
import type { PartitionRange } from "../../core/eventlog/kafka-admin.ts";
import type { PartitionOffset } from "../../core/eventlog/port.ts";

export interface TopicLag {
  /** The SPEC name. */
  topic: string;
  partitions: number;
  /** Records not yet processed, over every partition. */
  lag: number;
  /** Partitions the group has never committed: read from their oldest retained record. */
  uncommitted: number;
  /**
   * Records the log deleted (retention) before the group read them: lost to it. Normally 0; a
   * positive figure means the group was stopped longer than the topic keeps its data.
   */
  expired: number;
}

/** By SPEC name throughout. A topic missing from `ranges` does not exist and is left out. */
export function lagByTopic(
  topics: readonly string[],
  ranges: ReadonlyMap<string, readonly PartitionRange[]>,
  committed: readonly PartitionOffset[],
): TopicLag[] {
  const next = new Map(
    committed.filter((c) => c.offset >= 0).map((c) => [`${c.topic}/${c.partition}`, c.offset]),
  );
  const out: TopicLag[] = [];
  for (const topic of topics) {
    const parts = ranges.get(topic);
    if (!parts) continue;
    const row: TopicLag = { topic, partitions: parts.length, lag: 0, uncommitted: 0, expired: 0 };
    for (const p of parts) {
      const at = next.get(`${topic}/${p.partition}`);
      if (at === undefined) row.uncommitted++;
      const from = at === undefined ? p.low : Math.max(at, p.low);
      if (at !== undefined && at < p.low) row.expired += p.low - at;
      row.lag += Math.max(0, p.high - from);
    }
    out.push(row);
  }
  return out;
}
