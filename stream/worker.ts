/**
 * The stream worker: a consumer-group member over the four event topics. Partition N of every
 * topic is one shard (the topics are co-partitioned by user_id), owned by one worker at a
 * time (shards.ts). Per poll: compute each shard's records through the operators, then commit
 * them with their state and offsets in Postgres (commit-path.ts); Kafka's own commit follows,
 * for monitoring only (advisory-commit.ts). Which partitions hold a watermark back is
 * watermarks.ts's call.
 *
 * Pipelined one batch deep: a poll's batches are processed while the previous poll's commit
 * runs (processing yields every 25 records, so the commit's statements keep going out), and
 * they commit after it. A batch whose shard was lost meanwhile is dropped (its new owner reads
 * it again); one whose shard was reloaded (the commit path replayed the batch before record
 * by record) is processed again.
 */
import type { Sql } from "../core/db/sql.ts";
import { STREAM_GROUP } from "../core/eventlog/groups.ts";
import { EVENT_TOPICS, isEventTopic } from "../core/events/topics.ts";
import type {
  ConsumedRecord,
  LogConsumer,
  LogProducer,
  PartitionOffset,
  RebalanceHandlers,
  TopicPartition,
} from "../core/eventlog/port.ts";
import type { Logger } from "../core/logger.ts";
import { gauge } from "../core/metrics.ts";
import { retry } from "../core/retry.ts";
import { AdvisoryCommit } from "./advisory-commit.ts";
import { CommitPath, type ShardBatch, type StreamStats } from "./commit-path.ts";
import { OPERATORS } from "./operators/all.ts";
import { BatchOutput } from "./operators/output.ts";
import { advance, processRecords, type ProcessOptions, type ShardRecord } from "./operators/process.ts";
import { unknownProductIds } from "./operators/product-ids.ts";
import type { SessionRules } from "./operators/sessions/rules.ts";
import { DEFAULT_STATE_LOG_LIMITS, takeStateWrite, type StateLogLimits } from "./operators/state-log.ts";
import { MINUTE } from "./operators/time.ts";
import type { OffsetRange } from "./postgres/shard-store.ts";
import type { ProductCache } from "./postgres/products.ts";
import { OwnedShards, type Shard } from "./shards.ts";
import { Watermarks } from "./watermarks.ts";

export type { StreamStats } from "./commit-path.ts";

const lagGauge = gauge("stream_consumer_lag", "Records not yet consumed, over this worker's partitions", [
  "topic",
]);

export interface StreamOptions {
  group: string;
  /** Who this worker is, stored with the shards it owns. */
  owner: string;
  latenessMs: number;
  maxFutureMs: number;
  /** A partition without records this long stops holding its shard's watermark back. */
  idleMs: number;
  sessions: SessionRules;
  /** Records per poll. */
  batchSize: number;
  /** Retries of a failing batch before it is replayed record by record (1, 2, 4 s). */
  retryDelaysMs: readonly number[];
  /** State log bytes a shard writes before a snapshot may replace them (state-log.ts). */
  snapshotLogBytes?: number;
  /** How often the product dimension is reloaded whole (new products are looked up at once). */
  productRefreshMs?: number;
  clock?: () => number;
}

export const DEFAULT_STREAM_OPTIONS = {
  group: STREAM_GROUP,
  latenessMs: 2 * MINUTE,
  maxFutureMs: 5 * MINUTE,
  idleMs: 30_000,
  batchSize: 20_000,
  retryDelaysMs: [1000, 2000, 4000],
  snapshotLogBytes: DEFAULT_STATE_LOG_LIMITS.minLogBytes,
  productRefreshMs: 10 * MINUTE,
} as const;

/** Records processed between two yields to the commit in flight. */
const SLICE = 25;

export class StreamWorker {
  private readonly shards: OwnedShards;
  private readonly watermarks: Watermarks;
  private readonly commits: CommitPath;
  private readonly advisory: AdvisoryCommit;
  private readonly stateLogLimits: StateLogLimits;
  private readonly now: () => number;
  private busy: Promise<void> = Promise.resolve();

  constructor(
    sql: Sql,
    private readonly products: ProductCache,
    dlq: LogProducer,
    private readonly options: StreamOptions,
    private readonly logger: Logger,
  ) {
    this.stateLogLimits = {
      ...DEFAULT_STATE_LOG_LIMITS,
      minLogBytes: options.snapshotLogBytes ?? DEFAULT_STATE_LOG_LIMITS.minLogBytes,
    };
    this.now = options.clock ?? Date.now;
    this.shards = new OwnedShards(sql, options.group, options.owner, this.topics, this.now, logger);
    this.watermarks = new Watermarks(this.shards, options.idleMs, options.latenessMs, this.now, logger);
    this.commits = new CommitPath(
      sql,
      this.shards,
      dlq,
      {
        group: options.group,
        retryDelaysMs: options.retryDelaysMs,
        stateLogLimits: this.stateLogLimits,
        processOptions: (shard, now) => this.processOptions(shard, now),
        now: this.now,
      },
      logger,
    );
    this.advisory = new AdvisoryCommit(this.now, logger);
  }

  get stats(): StreamStats {
    return this.commits.stats;
  }

  get topics(): string[] {
    return [...EVENT_TOPICS];
  }

  readonly handlers: RebalanceHandlers = {
    onAssigned: async (partitions) => {
      await this.busy;
      const starts: PartitionOffset[] = [];
      for (const id of [...new Set(partitions.map((p) => p.partition))].sort((a, b) => a - b)) {
        const shard = await this.shards.take(id);
        for (const p of partitions.filter((x) => x.partition === id)) {
          starts.push({ ...p, offset: shard.next.get(p.topic) ?? -1 });
        }
      }
      return starts;
    },
    onRevoked: async (partitions) => {
      // The batch in flight commits first; then the shards are let go.
      await this.busy;
      for (const id of new Set(partitions.map((p) => p.partition))) this.shards.release(id, "revoked");
    },
  };

  /**
   * Consumes until `signal` aborts; the batch in flight is committed before it returns. Each
   * batch is processed while the previous one commits (Postgres works while this thread does),
   * and its own commit starts only once that one has finished, so commits keep their order.
   */
  async run(consumer: LogConsumer, signal: AbortSignal): Promise<StreamStats> {
    let inflight: Promise<void> = Promise.resolve();
    while (!signal.aborted) {
      const records = await consumer.poll(this.options.batchSize);
      await this.watermarks.confirmIdle(consumer);
      const computing = this.computeAll(consumer, records);
      const previous = inflight;
      this.busy = Promise.allSettled([computing, previous]).then(() => undefined);
      let batches: ShardBatch[];
      try {
        batches = await computing;
      } finally {
        await previous;
      }
      inflight = this.commit(consumer, batches);
      this.busy = inflight.catch(() => undefined);
      // Its failure surfaces at the next iteration's (or the final) await.
      inflight.catch(() => undefined);
    }
    await inflight;
    await this.advisory.tell(consumer, true);
    return this.stats;
  }

  /** Processes a poll's records, shard by shard, yielding now and then to the commit in flight. */
  private async computeAll(consumer: LogConsumer, records: ConsumedRecord[]): Promise<ShardBatch[]> {
    const lag = new Map<string, number>();
    for (const [topic, n] of consumer.lag()) {
      if (isEventTopic(topic)) {
        lag.set(topic, n);
        lagGauge.set({ topic }, n);
      }
    }
    await this.lookUpProducts(records);
    const byShard = new Map<number, ConsumedRecord[]>();
    for (const r of records) {
      let list = byShard.get(r.partition);
      if (!list) byShard.set(r.partition, (list = []));
      list.push(r);
    }
    const batches: ShardBatch[] = [];
    for (const shard of this.shards.all()) {
      const batch = await this.computeShard(shard, byShard.get(shard.id) ?? [], lag);
      if (batch) batches.push(batch);
    }
    return batches;
  }

  /**
   * Commits a poll's batches once the previous commit is done. A batch whose shard is gone is
   * skipped; one whose shard was reloaded meanwhile is processed again on the state as
   * committed.
   */
  private async commit(consumer: LogConsumer, batches: ShardBatch[]): Promise<void> {
    const ready: ShardBatch[] = [];
    for (let batch of batches) {
      const { shard } = batch;
      if (!this.shards.holds(shard)) continue;
      if (shard.state !== batch.processedOn) {
        shard.next = new Map(batch.starts);
        const again = await this.computeShard(shard, batch.raw, batch.lag);
        if (!again) continue;
        batch = again;
      }
      ready.push(batch);
    }
    const committed = await this.commits.commitAll(ready);
    this.advisory.add(
      committed.flatMap((b) =>
        b.offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: o.to })),
      ),
    );
    await this.advisory.tell(consumer, false);
  }

  private processOptions(shard: Shard, now: number): ProcessOptions {
    return {
      latenessMs: this.options.latenessMs,
      maxFutureMs: this.options.maxFutureMs,
      now,
      products: this.products,
      sessions: this.options.sessions,
      idle: this.watermarks.idleTopics(shard, now),
    };
  }

  /**
   * Processes one shard's records and takes its state changes; undefined when there is nothing
   * to commit. `shard.next` moves past the records at once (the next batch starts there).
   */
  private async computeShard(
    shard: Shard,
    raw: ConsumedRecord[],
    lag: ReadonlyMap<string, number>,
  ): Promise<ShardBatch | undefined> {
    const now = this.now();
    const records: ShardRecord[] = [];
    const ranges = new Map<string, OffsetRange>();
    for (const r of raw) {
      const next = shard.next.get(r.topic);
      // Records before the stored offset were committed already (a redelivery after a seek).
      if (!isEventTopic(r.topic) || (next !== undefined && r.offset < next)) continue;
      records.push({ topic: r.topic, partition: r.partition, offset: r.offset, value: r.value });
      const range = ranges.get(r.topic);
      if (range) range.to = r.offset + 1;
      else
        ranges.set(r.topic, { topic: r.topic, partition: r.partition, from: next ?? -1, to: r.offset + 1 });
    }
    for (const topic of ranges.keys()) shard.lastRecordAt.set(topic, now);
    const options = this.processOptions(shard, now);
    const out = new BatchOutput();
    const processedOn = shard.state;
    const starts = new Map(shard.next);
    for (let i = 0; i < records.length; i += SLICE) {
      // Let the commit in flight send its next statement.
      if (i > 0) await new Promise<void>((resolve) => setImmediate(resolve));
      processRecords(processedOn, records.slice(i, i + SLICE), out, options);
    }
    const watermark = advance(processedOn, out, options);
    this.leaveToOthers(shard, out);
    const moved = this.watermarks.moved(shard, processedOn, watermark);
    if (records.length === 0 && out.rowCount === 0 && !moved) return undefined;
    const offsets = [...ranges.values()];
    // Reloaded meanwhile (see commit): this batch is processed again from `starts`, and the
    // reloaded state's changes are not this batch's to take.
    const current = shard.state === processedOn;
    if (current) for (const o of offsets) shard.next.set(o.topic, o.to);
    const state = current ? takeStateWrite(shard.state, shard.position, this.stateLogLimits) : undefined;
    return { shard, processedOn, starts, raw, records, offsets, out, state, lag };
  }

  /**
   * Products the poll's transactions and cart events name that the cache does not hold are
   * looked up first, so a product added to the catalogue after this worker started is sold
   * under its category from its first sale (and not under "unknown" until a restart).
   */
  private async lookUpProducts(records: readonly ConsumedRecord[]): Promise<void> {
    const refreshing = this.products.refreshIfDue(
      this.options.productRefreshMs ?? DEFAULT_STREAM_OPTIONS.productRefreshMs,
    );
    refreshing?.catch((err: unknown) =>
      this.logger.warn({ err: (err as Error).message }, "product dimension not reloaded; trying again later"),
    );
    const unknown = new Set<string>();
    const known = (id: string) => this.products.get(id) !== undefined;
    for (const r of records)
      if (r.value !== null && (r.topic === "transactions" || r.topic === "cart_events"))
        unknownProductIds(r.value, known, unknown);
    if (unknown.size === 0) return;
    const found = await retry(() => this.products.resolve(unknown), {
      what: "postgres (looking up new products)",
      logger: this.logger,
      maxDelayMs: 10_000,
    });
    if (found > 0) this.logger.info({ found }, `loaded ${found} products added since the last load`);
  }

  /** Lets each operator leave to this worker's other shards what they will do later anyway. */
  private leaveToOthers(shard: Shard, out: BatchOutput): void {
    const others = this.shards
      .all()
      .filter((s) => s !== shard)
      .map((s) => s.state);
    for (const op of OPERATORS) op.leaveToOthers?.(out.of(op), others);
  }

  owned(): TopicPartition[] {
    return this.shards.ids().flatMap((partition) => this.topics.map((topic) => ({ topic, partition })));
  }
}
