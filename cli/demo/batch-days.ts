/**
 * The demo's batch: each day runs once it has closed and everything produced for it is in the
 * lake (the sink's committed offsets have reached the log's end as of the moment the day was
 * seen closed), oldest first, recorded in the run history file. In the demo this replaces the
 * nightly cron: a day is built minutes after it ends, not at BATCH_CRON.
 */
import { runDate, type BatchEnv } from "../../batch/run-date.ts";
import type { MemoryLog } from "../../core/eventlog/memory-log.ts";
import { ALL_TOPICS } from "../../core/events/topics.ts";
import type { Logger } from "../../core/logger.ts";

const DAY = 86_400_000;

export class DayBatches {
  /** Day -> the log's end offsets when the day was first seen closed. */
  private readonly ends = new Map<string, Map<string, number>>();
  running: string | undefined;
  lastError: string | undefined;

  constructor(
    private readonly env: BatchEnv,
    private readonly log: MemoryLog,
    private readonly sinkGroup: string,
    private readonly firstDay: number,
    private readonly logger: Logger,
  ) {}

  /** Days whose every event time has passed: by the clock, and (during the backfill) by the producer. */
  private closedDays(producedUntil: number): string[] {
    const days: string[] = [];
    for (let d = this.firstDay; d + DAY <= producedUntil; d += DAY)
      days.push(new Date(d).toISOString().slice(0, 10));
    return days;
  }

  private endOffsets(): Map<string, number> {
    const ends = new Map<string, number>();
    for (const topic of ALL_TOPICS)
      this.log.partitionsOf(topic).forEach((_, p) => ends.set(`${topic}/${p}`, this.log.endOffset(topic, p)));
    return ends;
  }

  private inLake(ends: Map<string, number>): boolean {
    const committed = this.log.groupOf(this.sinkGroup).committed;
    for (const [k, end] of ends) if (end > 0 && (committed.get(k) ?? 0) < end) return false;
    return true;
  }

  /** Runs the oldest closed day not yet built, if its data is in the lake. */
  async tick(producedUntil: number): Promise<void> {
    const done = new Set(
      (await this.env.history!.list({ status: "succeeded", limit: 10_000 })).map((r) => r.snapshot_date),
    );
    for (const day of this.closedDays(producedUntil)) {
      if (done.has(day)) continue;
      if (!this.ends.has(day)) this.ends.set(day, this.endOffsets());
      if (!this.inLake(this.ends.get(day)!)) return;
      this.running = day;
      try {
        await runDate(this.env, day, undefined);
        this.lastError = undefined;
      } catch (err) {
        this.lastError = (err as Error).message;
        this.logger.error({ day, err: this.lastError }, `batch ${day} failed; it is tried again`);
      } finally {
        this.running = undefined;
      }
      return;
    }
  }
}
