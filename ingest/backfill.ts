/**
 * A backfill into the event log as fast as the machine allows: each shard of the simulation
 * (generator/sharded.ts) runs on its own worker thread (generator/worker.ts) while this thread
 * merges their batches in event-time order, exactly as ShardedSimulation does in one thread,
 * and hands the records to the producer. Measured: one simulation thread was the limit with
 * the producing thread half idle.
 */
import { Worker } from "node:worker_threads";
import type { LogProducer } from "../core/eventlog/port.ts";
import type { Progress } from "../core/progress.ts";
import { BatchCursor, type EncodedBatch } from "./generator/batch.ts";
import { earliest, shardCount } from "./generator/sharded.ts";
import type { WorkerInput, WorkerMessage } from "./generator/worker.ts";
import type { GenerateOptions } from "./generate.ts";
import type { NdjsonFile } from "./outputs.ts";

/** One simulation thread, the batch being produced and those posted after it. */
class ShardFeed {
  readonly queue: EncodedBatch[] = [];
  /** The batch being read; undefined once the thread is done and everything is produced. */
  current: BatchCursor | undefined;
  finished = false;
  rejected = 0;
  private wake: (() => void) | undefined;

  constructor(readonly worker: Worker) {}

  receive(message: WorkerMessage): void {
    if (message.kind === "batch") this.queue.push(message.batch);
    else {
      this.finished = true;
      this.rejected = message.rejected;
    }
    this.wake?.();
  }

  /** Moves `current` to the next record to produce, waiting for the next batch if needed. */
  async fill(failed: Promise<never>): Promise<void> {
    while (this.current === undefined || this.current.done) {
      const next = this.queue.shift();
      if (next) this.current = new BatchCursor(next);
      else if (this.finished) return void (this.current = undefined);
      else await Promise.race([new Promise<void>((resolve) => (this.wake = resolve)), failed]);
    }
  }
}

export async function backfillToLog(
  options: GenerateOptions,
  producer: LogProducer,
  opts: { labels?: NdjsonFile; progress?: Progress; signal?: AbortSignal },
): Promise<{ events: number; rejected: number }> {
  const count = shardCount(options.mode);
  let fail!: (err: unknown) => void;
  const failed = new Promise<never>((_, reject) => (fail = reject));
  failed.catch(() => {});
  const feeds = Array.from({ length: count }, (_, index) => {
    const input: WorkerInput = { options, shard: { index, count }, batchSize: 20_000, maxOutstanding: 4 };
    const worker = new Worker(new URL("./generator/worker-entry.mjs", import.meta.url), {
      workerData: input,
    });
    const feed = new ShardFeed(worker);
    worker.on("message", (m: WorkerMessage) => feed.receive(m));
    worker.on("error", fail);
    worker.on("exit", (code) => {
      if (code !== 0 && !opts.signal?.aborted) fail(new Error(`generator worker exited with code ${code}`));
    });
    return feed;
  });
  const stop = () => fail(new Error("aborted"));
  opts.signal?.addEventListener("abort", stop, { once: true });
  let events = 0;
  const rejected = () => feeds.reduce((n, f) => n + f.rejected, 0);
  try {
    await Promise.all(feeds.map((f) => f.fill(failed)));
    const cursors = feeds.map((f) => f.current);
    for (let pick = earliest(cursors); pick >= 0; pick = earliest(cursors)) {
      const cursor = cursors[pick]!;
      if (
        !producer.enqueue({
          topic: cursor.topic,
          key: cursor.key,
          value: cursor.value(),
          keyHash: cursor.keyHash,
        })
      )
        await producer.waitForRoom();
      const label = cursor.label();
      if (label !== undefined && opts.labels && !opts.labels.write(label)) await opts.labels.drained();
      cursor.advance();
      events++;
      if (cursor.done) {
        opts.progress?.add(cursor.batch.count);
        feeds[pick]!.worker.postMessage({ kind: "credit" });
        await feeds[pick]!.fill(failed);
        cursors[pick] = feeds[pick]!.current;
      }
    }
    return { events, rejected: rejected() };
  } catch (err) {
    if (opts.signal?.aborted) return { events, rejected: rejected() };
    throw err;
  } finally {
    opts.signal?.removeEventListener("abort", stop);
    await Promise.all(feeds.map((f) => f.worker.terminate()));
  }
}
