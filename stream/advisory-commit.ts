/**
 * Tells Kafka the offsets committed in Postgres, for its tooling (lag, group describe);
 * Postgres holds the truth, so a failure here is logged and forgotten. At most once a second
 * unless forced: the commit is a broker round trip that holds up the worker (~10 ms a poll).
 */
import type { LogConsumer, PartitionOffset } from "../core/eventlog/port.ts";
import type { Logger } from "../core/logger.ts";

const EVERY_MS = 1000;

export class AdvisoryCommit {
  /** Committed offsets not yet told to Kafka, and when Kafka was last told. */
  private readonly pending = new Map<string, PartitionOffset>();
  private toldAt = 0;

  constructor(
    private readonly now: () => number,
    private readonly logger: Logger,
  ) {}

  add(offsets: Iterable<PartitionOffset>): void {
    for (const o of offsets) this.pending.set(`${o.topic}/${o.partition}`, o);
  }

  async tell(consumer: LogConsumer, force: boolean): Promise<void> {
    const at = this.now();
    if (this.pending.size === 0 || (!force && at - this.toldAt < EVERY_MS)) return;
    this.toldAt = at;
    // Partitions given up since their commit are the new owner's to report.
    const owned = new Set(consumer.owned().map((tp) => `${tp.topic}/${tp.partition}`));
    const latest = [...this.pending].filter(([k]) => owned.has(k)).map(([, o]) => o);
    this.pending.clear();
    if (latest.length > 0)
      await consumer
        .commit(latest)
        .catch((err: Error) => this.logger.debug({ err: err.message }, "advisory kafka commit failed"));
  }
}
