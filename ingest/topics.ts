/**
 * `lakehouse topics create`: the SPEC topics with the same partition count everywhere (the
 * stream layer's co-partitioning depends on it), retention and maximum message size.
 * Idempotent; an existing topic with a different partition count is an error, not a warning,
 * because it would silently break co-partitioning.
 */
import type { LogAdmin, TopicSpec } from "../core/eventlog/port.ts";
import { LakehouseError } from "../core/errors.ts";
import { ALL_TOPICS, DLQ_TOPIC } from "../core/events/topics.ts";

export interface TopicOptions {
  partitions: number;
  retentionDays: number;
  maxMessageBytes: number;
}

export const DEFAULT_TOPIC_OPTIONS: TopicOptions = {
  partitions: 6,
  retentionDays: 7,
  maxMessageBytes: 1_048_576,
};

export function topicSpecs(options: TopicOptions): TopicSpec[] {
  return ALL_TOPICS.map((topic) => ({
    topic,
    partitions: options.partitions,
    // The DLQ is kept longer: it is read by people, days after the fact.
    retentionMs: (topic === DLQ_TOPIC ? 4 : 1) * options.retentionDays * 86_400_000,
    maxMessageBytes: options.maxMessageBytes,
  }));
}

export async function createTopics(admin: LogAdmin, options: TopicOptions) {
  const specs = topicSpecs(options);
  const existing = await admin.describeTopics(specs.map((s) => s.topic));
  const mismatched = [...existing].filter(([, partitions]) => partitions !== options.partitions);
  if (mismatched.length > 0) {
    throw new LakehouseError(
      "CONFLICT",
      `topics exist with another partition count (${mismatched.map(([t, n]) => `${t}: ${n}`).join(", ")}); ` +
        `all topics need ${options.partitions} for co-partitioning`,
    );
  }
  return admin.createTopics(specs);
}
