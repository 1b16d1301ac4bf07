/**
 * When a partition stops holding its shard's watermark back, and what a new watermark does.
 * The watermark itself is pure (operators/process.ts `shardWatermark`: the slowest partition's
 * largest event time minus the lateness); this decides which partitions count as idle and
 * keeps the per-shard bookkeeping (pruning event ids, the gauge).
 */
import type { LogConsumer, TopicPartition } from "../core/eventlog/port.ts";
import { isEventTopic, type EventTopic } from "../core/events/topics.ts";
import type { Logger } from "../core/logger.ts";
import { gauge } from "../core/metrics.ts";
import { pruneSeen } from "./operators/process.ts";
import type { ShardState } from "./operators/state.ts";
import { MINUTE } from "./operators/time.ts";
import type { OwnedShards, Shard } from "./shards.ts";

const watermarkGauge = gauge("stream_watermark_seconds", "Event-time watermark per shard", ["shard"]);

export class Watermarks {
  /**
   * Partitions (`topic/partition`) confirmed to have nothing pending: no record for the idle
   * time *and* processed up to the log's end (at most a second old). Time alone is not enough: a
   * worker that stalled (Postgres away) would find every partition "quiet" while a backlog
   * waits, and its watermark would jump ahead of events not read yet.
   */
  private idle = new Set<string>();
  private checkedAt = 0;

  constructor(
    private readonly shards: OwnedShards,
    private readonly idleMs: number,
    private readonly latenessMs: number,
    private readonly now: () => number,
    private readonly logger: Logger,
  ) {}

  /** Re-checks, at most once a second, which quiet partitions are really at the log's end. */
  async confirmIdle(consumer: LogConsumer): Promise<void> {
    const now = this.now();
    const quiet: TopicPartition[] = [];
    for (const shard of this.shards.all())
      for (const [topic, at] of shard.lastRecordAt)
        if (now - at >= this.idleMs) quiet.push({ topic, partition: shard.id });
    if (quiet.length === 0) {
      this.idle.clear();
      return;
    }
    if (now - this.checkedAt < 1000) return;
    this.checkedAt = now;
    const idle = new Set<string>();
    try {
      for (const end of await consumer.endOffsets(quiet)) {
        const next = this.shards.get(end.partition)?.next.get(end.topic) ?? 0;
        if (next >= end.offset) idle.add(`${end.topic}/${end.partition}`);
      }
    } catch (err) {
      this.logger.debug({ err: (err as Error).message }, "could not ask kafka for end offsets; nothing idle");
    }
    this.idle = idle;
  }

  /** The shard's topics whose partition holds nothing back now. */
  idleTopics(shard: Shard, now: number): Set<EventTopic> {
    const idle = new Set<EventTopic>();
    for (const [topic, at] of shard.lastRecordAt)
      if (isEventTopic(topic) && now - at >= this.idleMs && this.idle.has(`${topic}/${shard.id}`))
        idle.add(topic);
    return idle;
  }

  /** Records the shard's new watermark; whether it moved (a batch with only that still commits). */
  moved(shard: Shard, state: ShardState, watermark: number): boolean {
    if (watermark > shard.lastPrune + MINUTE) {
      pruneSeen(state, this.latenessMs);
      shard.lastPrune = watermark;
    }
    const moved = watermark !== shard.lastWatermark;
    shard.lastWatermark = watermark;
    if (Number.isFinite(watermark)) watermarkGauge.set({ shard: String(shard.id) }, watermark / 1000);
    return moved;
  }
}
