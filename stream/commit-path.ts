/**
 * How a poll's shard batches reach Postgres, and what happens when they do not:
 *
 * 1. together, in one transaction (their additive deltas summed first); a shard found lost
 *    drops out and the rest commit again;
 * 2. otherwise shard by shard, a failing one retried after 1, 2 and 4 s (Postgres away is
 *    waited out inside each attempt, so the computed batch is kept, never recomputed or lost);
 * 3. then record by record on the shard's reloaded state, so the record that keeps failing
 *    goes to the DLQ alone and the partition moves on.
 *
 * FENCED at any step drops the shard; its new owner carries on from what was committed.
 * Never concurrent: the velocity ranking needs every shard's units of an hour committed before
 * the last shard to close it ranks it (a test with Postgres restarted mid-run caught a ranking
 * made while another shard's units were in flight).
 */
import type { Sql } from "../core/db/sql.ts";
import { toDlqRecord } from "../core/events/dlq.ts";
import { DLQ_TOPIC } from "../core/events/topics.ts";
import type { ConsumedRecord, LogProducer } from "../core/eventlog/port.ts";
import { FencedError, isRetriable } from "../core/errors.ts";
import { faultPoint } from "../core/faults.ts";
import type { Logger } from "../core/logger.ts";
import { counter, histogram } from "../core/metrics.ts";
import { retry, sleep } from "../core/retry.ts";
import { BatchOutput, mergeOutputs } from "./operators/output.ts";
import { advance, processRecords, type ProcessOptions, type ShardRecord } from "./operators/process.ts";
import type { ShardState } from "./operators/state.ts";
import { takeStateWrite, type StateLogLimits, type StateWrite } from "./operators/state-log.ts";
import { MINUTE, windowOf } from "./operators/time.ts";
import { commitBatch, loadShardState, type CommitInput, type OffsetRange } from "./postgres/shard-store.ts";
import { outputFrom } from "./rebuild/output-from.ts";
import type { OwnedShards, Shard } from "./shards.ts";

const eventsTotal = counter("stream_events_total", "Records consumed", ["topic"]);
const dlqTotal = counter("stream_dlq_total", "Records sent to the DLQ", ["topic"]);
const lateTotal = counter("stream_late_total", "Records older than the watermark", ["topic"]);
const duplicatesTotal = counter("stream_duplicates_total", "Records with an event id already counted", [
  "topic",
]);
const commitSeconds = histogram("stream_commit_seconds", "Postgres commit time of one shard batch");

/** A shard's processed batch, waiting for its commit. */
export interface ShardBatch {
  shard: Shard;
  /** The state it was processed on: replaced by a reload, the batch is processed again. */
  processedOn: ShardState;
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

export interface StreamStats {
  records: number;
  batches: number;
  dlq: number;
  late: number;
  duplicates: number;
}

export interface CommitPathOptions {
  group: string;
  retryDelaysMs: readonly number[];
  stateLogLimits: StateLogLimits;
  /** How a record replayed alone is processed (idleness as the worker sees it now). */
  processOptions: (shard: Shard, now: number) => ProcessOptions;
  now: () => number;
}

export class CommitPath {
  readonly stats: StreamStats = { records: 0, batches: 0, dlq: 0, late: 0, duplicates: 0 };

  constructor(
    private readonly sql: Sql,
    private readonly shards: OwnedShards,
    private readonly dlq: LogProducer,
    private readonly options: CommitPathOptions,
    private readonly logger: Logger,
  ) {}

  /**
   * Commits a poll's batches, in one transaction when it can: a minute's sales row is then
   * upserted once rather than once per shard, and the commit is one round of statements
   * instead of one per shard (measured: the per-shard commits, ~100 statements a poll, took two
   * to three times as long as processing the poll). Batches with dead letters, and any batch
   * of a joint commit that fails otherwise, take the per-shard path. Returns those committed.
   */
  async commitAll(batches: readonly ShardBatch[]): Promise<ShardBatch[]> {
    const committed: ShardBatch[] = [];
    let joint = batches.filter((b) => b.out.dead.length === 0);
    const alone = batches.filter((b) => b.out.dead.length > 0);
    while (joint.length > 1) {
      try {
        await this.commitOnce(joint, mergeOutputs(joint.map((b) => b.out)), joint[0]!.lag);
        for (const b of joint) this.count(b.out, b.records.length);
        committed.push(...joint);
        joint = [];
      } catch (err) {
        const lost = err instanceof FencedError ? err.shard : undefined;
        if (lost === undefined) {
          this.logger.warn(
            { shards: joint.map((b) => b.shard.id), err: (err as Error).message },
            "joint commit failed; committing shard by shard",
          );
          break;
        }
        this.shards.lose(lost, err as Error);
        joint = joint.filter((b) => b.shard.id !== lost);
      }
    }
    for (const batch of [...joint, ...alone].sort((a, b) => a.shard.id - b.shard.id)) {
      const result = await this.commitShard(batch);
      if (result === "fenced") continue;
      if (result === "committed") this.count(batch.out, batch.records.length);
      committed.push(batch);
    }
    return committed;
  }

  /** One transaction for the shards' batches (their merged `out`), Postgres outages waited out. */
  private async commitOnce(
    parts: readonly { shard: Shard; offsets: readonly OffsetRange[]; state: StateWrite | undefined }[],
    out: BatchOutput,
    lag: ReadonlyMap<string, number>,
  ): Promise<void> {
    const writeFrom = this.shards.writeFrom;
    const input: CommitInput = {
      group: this.options.group,
      shards: parts.map((p) => ({
        shard: p.shard.id,
        epoch: p.shard.epoch,
        offsets: p.offsets,
        state: p.state,
      })),
      output: writeFrom === undefined ? out : outputFrom(out, writeFrom),
      ops: { minute: windowOf(this.options.now(), MINUTE), lag },
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
   * Commits one shard's batch: "committed"; "fenced" when the shard was lost; "isolated" when
   * the batch kept failing and was committed record by record instead (DLQ for the culprit).
   */
  private async commitShard(batch: ShardBatch): Promise<"committed" | "fenced" | "isolated"> {
    const { shard, offsets, out } = batch;
    // At least once on the Kafka DLQ topic; exactly once in stream_dead_letters.
    if (out.dead.length > 0) await this.sendDead(out);
    const delays = this.options.retryDelaysMs;
    for (let attempt = 0; ; attempt++) {
      try {
        await this.commitOnce([{ shard, offsets, state: batch.state }], out, batch.lag);
        return "committed";
      } catch (err) {
        if (err instanceof FencedError) {
          this.shards.lose(shard.id, err);
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
          if (e instanceof FencedError) {
            this.shards.release(shard.id, "fenced");
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
    const { group, retryDelaysMs } = this.options;
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
    const stateWrite = () => takeStateWrite(shard.state, shard.position, this.options.stateLogLimits);
    await reload();
    for (const record of batch) {
      const range: OffsetRange = {
        topic: record.topic,
        partition: record.partition,
        from: shard.next.get(record.topic) ?? -1,
        to: record.offset + 1,
      };
      const now = this.options.now();
      const options = this.options.processOptions(shard, now);
      let out = new BatchOutput();
      processRecords(shard.state, [record], out, options);
      advance(shard.state, out, options);
      try {
        await this.commitOnce([{ shard, offsets: [range], state: stateWrite() }], out, lag);
      } catch (err) {
        if (err instanceof FencedError || isRetriable(err)) throw err;
        await reload();
        out = new BatchOutput();
        const reason = `processing failed after ${retryDelaysMs.length} retries: ${(err as Error).message}`;
        out.dead.push({
          topic: record.topic,
          partition: record.partition,
          offset: record.offset,
          record: toDlqRecord({
            originalTopic: record.topic,
            raw: record.value ?? Buffer.alloc(0),
            reason,
            retryCount: retryDelaysMs.length,
            at: now,
          }),
        });
        out.countsOf(record.topic).dlq += 1;
        this.logger.error(
          { shard: shard.id, offset: record.offset, topic: record.topic, cause: cause.message },
          reason,
        );
        await this.sendDead(out);
        await this.commitOnce([{ shard, offsets: [range], state: stateWrite() }], out, lag);
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
}
