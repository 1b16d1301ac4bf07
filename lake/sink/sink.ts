/**
 * The lake sink (SPEC section 5): consumes the event topics and the DLQ and writes every record
 * to bronze Parquet exactly once. Per batch: DuckDB writes the files locally, a write-ahead
 * intent is stored per partition, the files are uploaded, and only then are the offsets
 * committed. A crash anywhere leaves either committed files or files named in an intent, which
 * the partition's next owner deletes before writing (intents.ts).
 *
 * Batches rotate by rows, bytes and a maximum delay (topic-batch.ts); each batch is split into
 * one file per partition and event-time hour. One batch per topic is in flight while the next
 * fills, so consuming overlaps writing and uploading.
 */
import { FencedError } from "../../core/errors.ts";
import { faultPoint } from "../../core/faults.ts";
import type { Logger } from "../../core/logger.ts";
import { counter, gauge, histogram } from "../../core/metrics.ts";
import { retry } from "../../core/retry.ts";
import type {
  LogConsumer,
  PartitionOffset,
  RebalanceHandlers,
  TopicPartition,
} from "../../core/eventlog/port.ts";
import type { ObjectStore } from "../store/port.ts";
import type { BronzeWriter, WriteResult } from "./bronze-writer.ts";
import { removeUncommitted, writeIntent } from "./intents.ts";
import { rotationDue, TopicBatch, type RotationPolicy } from "./topic-batch.ts";

export const POLL_MAX = 20_000;
const UPLOAD_CONCURRENCY = 8;

const rowsWritten = counter("lake_sink_rows_total", "Rows written to bronze", ["topic"]);
const rejectedRows = counter("lake_sink_rejected_total", "Records the sink stored as DLQ rows", ["topic"]);
const filesWritten = counter("lake_sink_files_total", "Bronze files uploaded", ["topic"]);
const bufferedRows = gauge("lake_sink_buffered_rows", "Records waiting for the next batch", ["topic"]);
const flushSeconds = histogram("lake_sink_flush_seconds", "Write + upload + commit time of a batch", [
  "topic",
]);

export interface SinkOptions {
  group: string;
  store: ObjectStore;
  writer: BronzeWriter;
  rotation: RotationPolicy;
  logger: Logger;
}

export interface SinkStats {
  /** Records taken from the log (written or waiting in a batch). */
  consumed: number;
  rows: number;
  rejected: number;
  files: number;
  batches: number;
}

async function inParallel<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>) {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]!);
  });
  await Promise.all(workers);
}

export class LakeSink {
  readonly stats: SinkStats = { consumed: 0, rows: 0, rejected: 0, files: 0, batches: 0 };
  /** Keyed by topic, which is also the batch's lake table. */
  private readonly batches = new Map<string, TopicBatch>();
  private readonly inFlight = new Map<string, Promise<void>>();
  private failure: Error | undefined;
  private consumer: LogConsumer | undefined;
  private stopped = false;

  constructor(private readonly options: SinkOptions) {}

  /** What the consumer must call on rebalances; pass to the consumer before `run`. */
  readonly handlers: RebalanceHandlers = {
    onAssigned: (partitions) => this.removeLeftovers(partitions),
    onRevoked: () =>
      this.stopped || this.failure !== undefined ? Promise.resolve() : this.flushAll("rebalance"),
  };

  /** Consumes until `signal` aborts, then writes and commits what it holds. */
  async run(consumer: LogConsumer, signal: AbortSignal): Promise<SinkStats> {
    this.consumer = consumer;
    const early = this.assignedEarly.splice(0);
    if (early.length > 0) await this.removeLeftovers(early);
    try {
      await this.consume(consumer, signal);
      await this.flushAll("shutdown");
    } finally {
      this.stopped = true;
      // On a failure too: no upload of this run may land after the next run has cleaned up.
      await Promise.allSettled([...this.inFlight.values()]);
    }
    if (this.failure !== undefined) throw this.failure;
    return this.stats;
  }

  private async consume(consumer: LogConsumer, signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      if (this.failure !== undefined) throw this.failure;
      const records = await consumer.poll(POLL_MAX);
      const now = Date.now();
      for (const record of records) this.batchOf(record.topic).add(record, now);
      this.stats.consumed += records.length;
      for (const [topic, batch] of this.batches) {
        bufferedRows.set({ topic: batch.topic }, batch.rows);
        const reason = rotationDue(batch, this.options.rotation, now);
        if (reason) await this.startFlush(topic, reason);
      }
    }
  }

  private batchOf(topic: string): TopicBatch {
    let batch = this.batches.get(topic);
    if (!batch) this.batches.set(topic, (batch = this.newBatch(topic)));
    return batch;
  }

  private newBatch(topic: string): TopicBatch {
    return new TopicBatch(topic);
  }

  /** Writes what every topic holds and waits for all of it to be committed. */
  async flushAll(reason: string): Promise<void> {
    for (const [topic, batch] of this.batches) if (!batch.empty) await this.startFlush(topic, reason);
    await Promise.all(this.inFlight.values());
  }

  /** Starts writing a topic's batch; waits first for its previous batch, so commits stay in order. */
  private async startFlush(topic: string, reason: string): Promise<void> {
    await this.inFlight.get(topic);
    // After a failed flush its uploaded files are named only by its partitions' intents: a new
    // flush would replace those intents and leave the files for the next run to write again.
    if (this.failure !== undefined) return;
    const batch = this.batches.get(topic);
    if (!batch || batch.empty) return;
    this.batches.set(topic, this.newBatch(topic));
    const job = this.flush(batch, topic, reason)
      .catch((err: unknown) => {
        this.failure ??= err instanceof Error ? err : new Error(String(err));
      })
      .finally(() => {
        if (this.inFlight.get(topic) === job) this.inFlight.delete(topic);
      });
    this.inFlight.set(topic, job);
  }

  private async flush(batch: TopicBatch, topic: string, reason: string): Promise<void> {
    const { store, writer, group } = this.options;
    const started = performance.now();
    const result = await writer.write(batch, Date.now());
    const written = performance.now();
    let uploaded: number;
    try {
      await Promise.all(
        [...batch.spans].map(([partition, span]) =>
          writeIntent(store, group, {
            topic: batch.topic,
            partition,
            first: span.first,
            last: span.last,
            keys: result.files.filter((f) => f.partition === partition).map((f) => f.key),
          }),
        ),
      );
      faultPoint("sink.after-intent");
      await inParallel(result.files, UPLOAD_CONCURRENCY, (f) => store.putFile(f.key, f.path));
      uploaded = performance.now();
      faultPoint("sink.after-upload");
      await this.commit(batch, topic);
      faultPoint("sink.after-commit");
    } finally {
      await writer.discard(result);
    }
    const done = performance.now();
    this.account(batch.topic, result, reason, done - started, {
      writeMs: Math.round(written - started),
      uploadMs: Math.round(uploaded - written),
      commitMs: Math.round(done - uploaded),
    });
  }

  /**
   * Commits the batch's offsets. A partition this worker no longer owns, or a commit refused as
   * fenced, leaves files that only the partition's intent names; the flush then fails, so the
   * sink starts no later flush that would replace that intent, and whoever is assigned the
   * partition next removes the files before reading it again.
   */
  private async commit(batch: TopicBatch, topic: string): Promise<void> {
    const consumer = this.consumer!;
    const owned = new Set(consumer.owned().map((p) => `${p.topic}/${p.partition}`));
    const offsets: PartitionOffset[] = [];
    const moved: number[] = [];
    for (const [partition, span] of batch.spans) {
      if (owned.has(`${topic}/${partition}`)) offsets.push({ topic, partition, offset: span.last + 1 });
      else moved.push(partition);
    }
    if (offsets.length > 0) {
      try {
        await retry(() => consumer.commit(offsets), {
          what: "kafka offset commit",
          logger: this.options.logger,
        });
      } catch (err) {
        if (err instanceof FencedError)
          this.options.logger.warn(
            { err: err.message },
            "offsets not committed: this worker was fenced; restarting so the next owner rewrites the batch",
          );
        throw err;
      }
    }
    if (moved.length > 0)
      throw new FencedError(
        `${batch.topic} partitions ${moved.join(", ")} moved to another worker before their batch was committed; the next owner rewrites it`,
      );
  }

  private account(
    topic: string,
    result: WriteResult,
    reason: string,
    ms: number,
    phases: Record<string, number>,
  ): void {
    this.stats.rows += result.rows;
    this.stats.rejected += result.rejected;
    this.stats.files += result.files.length;
    this.stats.batches++;
    rowsWritten.inc({ topic }, result.rows);
    rejectedRows.inc({ topic }, result.rejected);
    filesWritten.inc({ topic }, result.files.length);
    flushSeconds.observe({ topic }, ms / 1000);
    this.options.logger.info(
      {
        topic,
        rows: result.rows,
        rejected: result.rejected,
        files: result.files.length,
        reason,
        ms: Math.round(ms),
        ...phases,
      },
      `${topic}: ${result.rows} rows in ${result.files.length} files (${reason}, ${Math.round(ms)} ms)`,
    );
  }

  /** Partitions assigned while joining, before `run` (the in-process log assigns at once). */
  private readonly assignedEarly: TopicPartition[] = [];

  private async removeLeftovers(partitions: TopicPartition[]): Promise<void> {
    const consumer = this.consumer;
    if (!consumer) {
      // Nothing is consumed before run(), which cleans these up first.
      this.assignedEarly.push(...partitions);
      return;
    }
    const committed = await retry(() => consumer.committed(partitions), {
      what: "kafka committed offsets",
      logger: this.options.logger,
      attempts: 6,
    });
    const { store, group, logger } = this.options;
    await Promise.all(
      committed.map((c) => removeUncommitted(store, group, c.topic, c.partition, c.offset, logger)),
    );
  }
}
