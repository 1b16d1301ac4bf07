/**
 * The stream worker: a consumer-group member over the four event topics. Partition N of every
 * topic is one shard (the topics are co-partitioned by user_id), owned by one worker at a
 * time. Per poll, each shard's records go through the operators and commit in one Postgres
 * transaction with its state and offsets (shard-store.ts); Kafka's own commit follows, for
 * monitoring only. On assignment the worker takes the shard (fencing the previous owner),
 * loads its state and starts reading at the offsets stored with it.
 *
 * Pipelined one batch deep: a poll's batches are processed while the previous poll's commit
 * runs (processing yields every 25 records, so the commit's statements keep going out), and
 * they commit after it, together in one transaction (commitAll). A batch whose shard was lost
 * meanwhile is dropped (its new owner reads it again); one whose shard was reloaded is
 * processed again.
 *
 * Failures: Postgres away -> the commit is retried with backoff until it lands (the computed
 * batch is kept, so nothing is recomputed or lost). FENCED -> the shard is dropped; its new
 * owner carries on from what was committed. Any other error -> retried after 1, 2 and 4 s,
 * then the shard is reloaded and the batch replayed one record at a time, so the record that
 * keeps failing goes to the DLQ alone and the partition moves on.
 */
import type { Sql } from "../core/db/sql.ts";
import { toDlqRecord } from "../core/events/dlq.ts";
import { STREAM_GROUP } from "../core/eventlog/groups.ts";
import { DLQ_TOPIC, EVENT_TOPICS, isEventTopic, type EventTopic } from "../core/events/topics.ts";
import type {
  ConsumedRecord,
  LogConsumer,
  LogProducer,
  PartitionOffset,
  RebalanceHandlers,
  TopicPartition,
} from "../core/eventlog/port.ts";
import { LakehouseError, isRetriable } from "../core/errors.ts";
import { faultPoint } from "../core/faults.ts";
import type { Logger } from "../core/logger.ts";
import { counter, gauge, histogram } from "../core/metrics.ts";
import { retry, sleep } from "../core/retry.ts";
import { unknownProductIds } from "./operators/product-ids.ts";
import type { ProductCache } from "./postgres/products.ts";
import { OPERATORS } from "./operators/all.ts";
import { BatchOutput, mergeOutputs } from "./operators/output.ts";
import { MINUTE, windowOf } from "./operators/time.ts";
import { outputFrom } from "./rebuild/output-from.ts";
import {
  advance,
  processRecords,
  pruneSeen,
  type ProcessOptions,
  type ShardRecord,
} from "./operators/process.ts";
import type { SessionRules } from "./operators/sessions/rules.ts";
import type { ShardState } from "./operators/state.ts";
import {
  commitBatch,
  loadShardState,
  takeShard,
  type CommitInput,
  type OffsetRange,
} from "./postgres/shard-store.ts";
import {
  DEFAULT_STATE_LOG_LIMITS,
  takeStateWrite,
  type StateLogLimits,
  type StateLogPosition,
  type StateWrite,
} from "./operators/state-log.ts";

const eventsTotal = counter("stream_events_total", "Records consumed", ["topic"]);
const dlqTotal = counter("stream_dlq_total", "Records sent to the DLQ", ["topic"]);
const lateTotal = counter("stream_late_total", "Records older than the watermark", ["topic"]);
const duplicatesTotal = counter("stream_duplicates_total", "Records with an event id already counted", [
  "topic",
]);
const commitSeconds = histogram("stream_commit_seconds", "Postgres commit time of one shard batch");
const watermarkGauge = gauge("stream_watermark_seconds", "Event-time watermark per shard", ["shard"]);
const shardsGauge = gauge("stream_owned_shards", "Shards this worker owns");
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

interface Shard {
  id: number;
  epoch: number;
  state: ShardState;
  position: StateLogPosition;
  /** Topic -> next offset to process. */
  next: Map<string, number>;
  /** Topic -> wall-clock time of its last record. */
  lastRecordAt: Map<string, number>;
  lastWatermark: number;
  lastPrune: number;
}

/** A shard's processed batch, waiting for its commit. */
interface ShardBatch {
  shard: Shard;
  /** The state it was processed on: replaced by a reload, the batch is processed again. */
  basis: ShardState;
  /** The shard's next offsets before it, where processing it again starts. */
  starts: Map<string, number>;
  raw: ConsumedRecord[];
  records: ShardRecord[];
  offsets: OffsetRange[];
  out: BatchOutput;
  state: StateWrite | undefined;
  /** Consumer lag at its poll, for operational_metrics. */
  lag: ReadonlyMap<string, number>;
}

const stateKeys = (state: ShardState) => Object.values(state.namespaces()).reduce((n, k) => n + k.size, 0);

/** How often the advisory Kafka commit goes out at most. */
const ADVISORY_COMMIT_MS = 1000;

/** Records processed between two yields to the commit in flight. */
const SLICE = 25;

export interface StreamStats {
  records: number;
  batches: number;
  dlq: number;
  late: number;
  duplicates: number;
}

export class StreamWorker {
  readonly stats: StreamStats = { records: 0, batches: 0, dlq: 0, late: 0, duplicates: 0 };
  private readonly shards = new Map<number, Shard>();
  /** After `lakehouse stream rebuild`: rows keyed before this time are not written again. */
  private writeFrom: number | undefined;
  private readonly stateLogLimits: StateLogLimits;
  private readonly now: () => number;
  private busy: Promise<void> = Promise.resolve();
  /**
   * Partitions (`topic/partition`) confirmed to have nothing pending: no record for the idle
   * time *and* processed up to the log's end (at most a second old). Time alone is not enough: a
   * worker that stalled (Postgres away) would find every partition "quiet" while a backlog
   * waits, and its watermark would jump ahead of events not read yet.
   */
  private idle = new Set<string>();
  private idleCheckedAt = 0;
  /** Committed offsets not yet told to Kafka, and when Kafka was last told. */
  private readonly advisory = new Map<string, PartitionOffset>();
  private advisedAt = 0;

  constructor(
    private readonly sql: Sql,
    private readonly products: ProductCache,
    private readonly dlq: LogProducer,
    private readonly options: StreamOptions,
    private readonly logger: Logger,
  ) {
    this.stateLogLimits = {
      ...DEFAULT_STATE_LOG_LIMITS,
      minLogBytes: options.snapshotLogBytes ?? DEFAULT_STATE_LOG_LIMITS.minLogBytes,
    };
    this.now = options.clock ?? Date.now;
  }

  get topics(): string[] {
    return [...EVENT_TOPICS];
  }

  private table(topic: string): EventTopic | undefined {
    return isEventTopic(topic) ? topic : undefined;
  }

  readonly handlers: RebalanceHandlers = {
    onAssigned: async (partitions) => {
      await this.busy;
      const starts: PartitionOffset[] = [];
      for (const id of [...new Set(partitions.map((p) => p.partition))].sort((a, b) => a - b)) {
        const shard = await this.take(id);
        for (const p of partitions.filter((x) => x.partition === id)) {
          starts.push({ ...p, offset: shard.next.get(p.topic) ?? -1 });
        }
      }
      return starts;
    },
    onRevoked: async (partitions) => {
      // The batch in flight commits first; then the shards are let go.
      await this.busy;
      for (const id of new Set(partitions.map((p) => p.partition))) this.drop(id, "revoked");
    },
  };

  private async take(id: number): Promise<Shard> {
    const { group, owner } = this.options;
    const loaded = await retry(() => takeShard(this.sql, group, id, owner), {
      what: `postgres (taking shard ${id})`,
      logger: this.logger,
      maxDelayMs: 10_000,
    });
    const now = this.now();
    const shard: Shard = {
      id,
      epoch: loaded.epoch,
      state: loaded.state,
      position: loaded.position,
      next: loaded.offsets,
      lastRecordAt: new Map(this.topics.map((t) => [t, now])),
      lastWatermark: -Infinity,
      lastPrune: -Infinity,
    };
    this.shards.set(id, shard);
    shardsGauge.set(this.shards.size);
    // The group's, read with each shard: a rebuild that ran since is seen by the next take.
    this.writeFrom = loaded.writeFrom;
    this.logger.info(
      { shard: id, epoch: loaded.epoch, offsets: Object.fromEntries(loaded.offsets) },
      `took shard ${id} (epoch ${loaded.epoch}, ${stateKeys(loaded.state)} keys of state)`,
    );
    return shard;
  }

  /** A commit was refused because another worker owns the shard now. */
  private lose(id: number, err: Error): void {
    this.logger.warn({ shard: id, err: err.message }, `lost shard ${id}: ${err.message}`);
    this.drop(id, "fenced");
  }

  private drop(id: number, why: string): void {
    if (this.shards.delete(id)) this.logger.info({ shard: id }, `released shard ${id} (${why})`);
    shardsGauge.set(this.shards.size);
  }

  /**
   * Consumes until `signal` aborts; the batch in flight is committed before it returns. Each
   * batch is processed while the previous one commits (Postgres works while this thread does),
   * and its own commit starts only once that one has finished, so commits keep their order.
   */
  async run(consumer: LogConsumer, signal: AbortSignal): Promise<StreamStats> {
    let inflight: Promise<void> = Promise.resolve();
    while (!signal.aborted) {
      const records = await consumer.poll(this.options.batchSize);
      await this.confirmIdle(consumer);
      const computing = this.computeAll(consumer, records);
      const previous = inflight;
      this.busy = Promise.allSettled([computing, previous]).then(() => undefined);
      let batches: ShardBatch[];
      try {
        batches = await computing;
      } finally {
        await previous;
      }
      inflight = this.commitAll(consumer, batches);
      this.busy = inflight.catch(() => undefined);
      // Its failure surfaces at the next iteration's (or the final) await.
      inflight.catch(() => undefined);
    }
    await inflight;
    await this.adviseKafka(consumer, true);
    return this.stats;
  }

  /** Processes a poll's records, shard by shard, yielding now and then to the commit in flight. */
  private async computeAll(consumer: LogConsumer, records: ConsumedRecord[]): Promise<ShardBatch[]> {
    const lag = new Map<string, number>();
    for (const [topic, n] of consumer.lag()) {
      const table = this.table(topic);
      if (table) {
        lag.set(table, n);
        lagGauge.set({ topic: table }, n);
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
    for (const shard of [...this.shards.values()]) {
      const batch = await this.computeShard(shard, byShard.get(shard.id) ?? [], lag);
      if (batch) batches.push(batch);
    }
    return batches;
  }

  /**
   * Commits a poll's shard batches, in one transaction when it can: their additive deltas are
   * summed first, so a minute's sales row is upserted once rather than once per shard, and the
   * commit is one round of statements instead of one per shard (measured: the per-shard
   * commits, ~100 statements a poll, took two to three times as long as processing the poll).
   * A shard found lost drops out and the rest commit; batches with dead letters, and any
   * batch of a joint commit that fails otherwise, take the per-shard path with its retries and
   * isolation. Never concurrent: the velocity ranking needs every shard's units of an hour
   * committed before the last shard to close it ranks it (a test with Postgres restarted
   * mid-run caught a ranking made while another shard's units were in flight).
   */
  private async commitAll(consumer: LogConsumer, batches: ShardBatch[]): Promise<void> {
    const ready: ShardBatch[] = [];
    for (let batch of batches) {
      const { shard } = batch;
      // Lost while this batch was processed (fenced, revoked): its new owner reads it again.
      if (this.shards.get(shard.id) !== shard) continue;
      // Reloaded while it was processed (the batch before kept failing and was replayed record
      // by record): process it again on the state as committed.
      if (shard.state !== batch.basis) {
        shard.next = new Map(batch.starts);
        const again = await this.computeShard(shard, batch.raw, batch.lag);
        if (!again) continue;
        batch = again;
      }
      ready.push(batch);
    }
    const committed: ShardBatch[] = [];
    let joint = ready.filter((b) => b.out.dead.length === 0);
    const alone = ready.filter((b) => b.out.dead.length > 0);
    while (joint.length > 1) {
      try {
        await this.commitOnce(joint, mergeOutputs(joint.map((b) => b.out)), joint[0]!.lag);
        for (const b of joint) this.count(b.out, b.records.length);
        committed.push(...joint);
        joint = [];
      } catch (err) {
        const lost = err instanceof LakehouseError && err.code === "FENCED" ? err.context.shard : undefined;
        if (typeof lost !== "number") {
          this.logger.warn(
            { shards: joint.map((b) => b.shard.id), err: (err as Error).message },
            "joint commit failed; committing shard by shard",
          );
          break;
        }
        this.lose(lost, err as Error);
        joint = joint.filter((b) => b.shard.id !== lost);
      }
    }
    for (const batch of [...joint, ...alone].sort((a, b) => a.shard.id - b.shard.id)) {
      const result = await this.commit(batch);
      if (result === "fenced") continue;
      if (result === "committed") this.count(batch.out, batch.records.length);
      committed.push(batch);
    }
    const offsets: PartitionOffset[] = committed.flatMap((b) =>
      b.offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: o.to })),
    );
    for (const o of offsets) this.advisory.set(`${o.topic}/${o.partition}`, o);
    await this.adviseKafka(consumer, false);
  }

  /**
   * Tells Kafka the offsets committed in Postgres, for its tooling (lag, group describe);
   * Postgres holds the truth. At most once a second unless `now`: the commit is a broker round
   * trip that holds up this thread (~10 ms a poll).
   */
  private async adviseKafka(consumer: LogConsumer, now: boolean): Promise<void> {
    const at = this.now();
    if (this.advisory.size === 0 || (!now && at - this.advisedAt < ADVISORY_COMMIT_MS)) return;
    this.advisedAt = at;
    // Partitions given up since their commit are the new owner's to report.
    const owned = new Set(consumer.owned().map((tp) => `${tp.topic}/${tp.partition}`));
    const latest = [...this.advisory].filter(([k]) => owned.has(k)).map(([, o]) => o);
    this.advisory.clear();
    if (latest.length > 0)
      await consumer
        .commit(latest)
        .catch((err: Error) => this.logger.debug({ err: err.message }, "advisory kafka commit failed"));
  }

  /** Re-checks, at most once a second, which quiet partitions are really at the log's end. */
  private async confirmIdle(consumer: LogConsumer): Promise<void> {
    const now = this.now();
    const quiet: TopicPartition[] = [];
    for (const shard of this.shards.values())
      for (const [topic, at] of shard.lastRecordAt)
        if (now - at >= this.options.idleMs) quiet.push({ topic, partition: shard.id });
    if (quiet.length === 0) {
      this.idle.clear();
      return;
    }
    if (now - this.idleCheckedAt < 1000) return;
    this.idleCheckedAt = now;
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

  private idleTopics(shard: Shard, now: number): Set<EventTopic> {
    const idle = new Set<EventTopic>();
    for (const [topic, at] of shard.lastRecordAt) {
      if (now - at >= this.options.idleMs && this.idle.has(`${topic}/${shard.id}`))
        idle.add(this.table(topic)!);
    }
    return idle;
  }

  private processOptions(shard: Shard, now: number): ProcessOptions {
    return {
      latenessMs: this.options.latenessMs,
      maxFutureMs: this.options.maxFutureMs,
      now,
      products: this.products,
      sessions: this.options.sessions,
      idle: this.idleTopics(shard, now),
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
      const topic = this.table(r.topic);
      const next = shard.next.get(r.topic);
      // Records before the stored offset were committed already (a redelivery after a seek).
      if (topic === undefined || (next !== undefined && r.offset < next)) continue;
      records.push({ topic, partition: r.partition, offset: r.offset, value: r.value });
      const range = ranges.get(r.topic);
      if (range) range.to = r.offset + 1;
      else
        ranges.set(r.topic, { topic: r.topic, partition: r.partition, from: next ?? -1, to: r.offset + 1 });
    }
    for (const topic of ranges.keys()) shard.lastRecordAt.set(topic, now);
    const options = this.processOptions(shard, now);
    const out = new BatchOutput();
    const basis = shard.state;
    const starts = new Map(shard.next);
    for (let i = 0; i < records.length; i += SLICE) {
      // Let the commit in flight send its next statement.
      if (i > 0) await new Promise<void>((resolve) => setImmediate(resolve));
      processRecords(basis, records.slice(i, i + SLICE), out, options);
    }
    const watermark = advance(basis, out, options);
    this.leaveToOthers(shard, out);
    if (watermark > shard.lastPrune + MINUTE) {
      pruneSeen(basis, this.options.latenessMs);
      shard.lastPrune = watermark;
    }
    const changedWatermark = watermark !== shard.lastWatermark;
    shard.lastWatermark = watermark;
    if (Number.isFinite(watermark)) watermarkGauge.set({ shard: String(shard.id) }, watermark / 1000);
    if (records.length === 0 && out.rowCount === 0 && !changedWatermark) return undefined;
    const offsets = [...ranges.values()];
    // Reloaded meanwhile (see commitAll): this batch is processed again from `starts`, and the
    // reloaded state's changes are not this batch's to take.
    const current = shard.state === basis;
    if (current) for (const o of offsets) shard.next.set(o.topic, o.to);
    const state = current ? this.takeStateWrite(shard) : undefined;
    return { shard, basis, starts, raw, records, offsets, out, state, lag };
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
    const others = [...this.shards.values()].filter((s) => s !== shard).map((s) => s.state);
    for (const op of OPERATORS) op.leaveToOthers?.(out.of(op), others);
  }

  private count(out: BatchOutput, records: number): void {
    this.stats.records += records;
    this.stats.batches += 1;
    for (const [topic, c] of out.counts) {
      eventsTotal.inc({ topic }, c.events);
      if (c.dlq) dlqTotal.inc({ topic }, c.dlq);
      if (c.late) lateTotal.inc({ topic }, c.late);
      if (c.duplicates) duplicatesTotal.inc({ topic }, c.duplicates);
      this.stats.dlq += c.dlq;
      this.stats.late += c.late;
      this.stats.duplicates += c.duplicates;
    }
  }

  private takeStateWrite(shard: Shard): StateWrite | undefined {
    return takeStateWrite(shard.state, shard.position, this.stateLogLimits);
  }

  /** One transaction for the shards' batches (their merged `out`), Postgres outages waited out. */
  private async commitOnce(
    parts: readonly { shard: Shard; offsets: readonly OffsetRange[]; state: StateWrite | undefined }[],
    out: BatchOutput,
    lag: ReadonlyMap<string, number>,
  ): Promise<void> {
    const input: CommitInput = {
      group: this.options.group,
      shards: parts.map((p) => ({
        shard: p.shard.id,
        epoch: p.shard.epoch,
        offsets: p.offsets,
        state: p.state,
      })),
      output: this.writeFrom === undefined ? out : outputFrom(out, this.writeFrom),
      ops: { minute: windowOf(this.now(), MINUTE), lag },
    };
    const ids = parts.map((p) => p.shard.id).join(", ");
    const end = commitSeconds.startTimer();
    try {
      await retry(() => commitBatch(this.sql, input), {
        what: `postgres (committing shard${parts.length > 1 ? "s" : ""} ${ids})`,
        logger: this.logger,
        maxDelayMs: 10_000,
      });
    } finally {
      end();
    }
    faultPoint("stream.after-commit");
  }

  /**
   * Commits a shard batch: "committed"; "fenced" when the shard was lost; "isolated" when the
   * batch kept failing and was committed record by record instead (DLQ for the culprit).
   */
  private async commit(batch: ShardBatch): Promise<"committed" | "fenced" | "isolated"> {
    const { shard, offsets, out } = batch;
    // At least once on the Kafka DLQ topic; exactly once in stream_dead_letters.
    if (out.dead.length > 0) await this.sendDead(out);
    const delays = this.options.retryDelaysMs;
    for (let attempt = 0; ; attempt++) {
      try {
        await this.commitOnce([{ shard, offsets, state: batch.state }], out, batch.lag);
        return "committed";
      } catch (err) {
        if (err instanceof LakehouseError && err.code === "FENCED") {
          this.lose(shard.id, err);
          return "fenced";
        }
        if (attempt < delays.length) {
          this.logger.warn(
            { shard: shard.id, attempt: attempt + 1, err: (err as Error).message },
            `commit of shard ${shard.id} failed; retrying in ${delays[attempt]} ms`,
          );
          await sleep(delays[attempt]!);
          continue;
        }
        this.logger.error(
          { shard: shard.id, err: (err as Error).message },
          `commit of shard ${shard.id} keeps failing; replaying the batch one record at a time`,
        );
        try {
          await this.isolate(batch, err as Error);
        } catch (e) {
          if (e instanceof LakehouseError && e.code === "FENCED") {
            this.drop(shard.id, "fenced");
            return "fenced";
          }
          throw e;
        }
        return "isolated";
      }
    }
  }

  /**
   * Reloads the shard's committed state and replays the failed batch one record per
   * transaction; a record whose own commit fails goes to the DLQ with the error, alone.
   */
  private async isolate(failed: ShardBatch, cause: Error): Promise<void> {
    const { group } = this.options;
    const { shard, records: batch, lag } = failed;
    // Back to where the failed batch started (processing may have moved on past it).
    shard.next = new Map(failed.starts);
    const reload = async () => {
      const loaded = await retry(() => loadShardState(this.sql, group, shard.id), {
        what: `postgres (reloading shard ${shard.id})`,
        logger: this.logger,
      });
      shard.state = loaded.state;
      shard.position = loaded.position;
    };
    await reload();
    for (const record of batch) {
      const range: OffsetRange = {
        topic: record.topic,
        partition: record.partition,
        from: shard.next.get(record.topic) ?? -1,
        to: record.offset + 1,
      };
      const now = this.now();
      const options = this.processOptions(shard, now);
      let out = new BatchOutput();
      processRecords(shard.state, [record], out, options);
      advance(shard.state, out, options);
      try {
        await this.commitOnce([{ shard, offsets: [range], state: this.takeStateWrite(shard) }], out, lag);
      } catch (err) {
        if (err instanceof LakehouseError && err.code === "FENCED") throw err;
        if (isRetriable(err)) throw err;
        await reload();
        out = new BatchOutput();
        const reason = `processing failed after ${this.options.retryDelaysMs.length} retries: ${(err as Error).message}`;
        out.dead.push({
          topic: record.topic,
          partition: record.partition,
          offset: record.offset,
          record: toDlqRecord({
            originalTopic: record.topic,
            raw: record.value ?? Buffer.alloc(0),
            reason,
            retryCount: this.options.retryDelaysMs.length,
            at: now,
          }),
        });
        out.countsOf(record.topic).dlq += 1;
        this.logger.error(
          { shard: shard.id, offset: record.offset, topic: record.topic, cause: cause.message },
          reason,
        );
        await this.sendDead(out);
        await this.commitOnce([{ shard, offsets: [range], state: this.takeStateWrite(shard) }], out, lag);
      }
      shard.next.set(record.topic, range.to);
      this.count(out, 1);
    }
  }

  private async sendDead(out: BatchOutput): Promise<void> {
    await this.dlq.send(
      out.dead.map((d) => ({
        topic: DLQ_TOPIC,
        key: d.record.event_id ?? `${d.topic}/${d.partition}/${d.offset}`,
        value: Buffer.from(JSON.stringify(d.record)),
      })),
    );
  }

  owned(): TopicPartition[] {
    return [...this.shards.keys()].flatMap((partition) => this.topics.map((topic) => ({ topic, partition })));
  }
}
