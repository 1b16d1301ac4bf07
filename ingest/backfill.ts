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
import { BACKFILL_SHARDS } from "./generator/sharded.ts";
import type { WorkerInput, WorkerMessage } from "./generator/worker.ts";
import type { GenerateOptions } from "./generate.ts";
import type { NdjsonFile } from "./outputs.ts";

/** One simulation thread and the batches it has posted that are not produced yet. */
class ShardFeed {
  readonly queue: EncodedBatch[] = [];
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

  /** The cursor to read from, waiting for the next batch if needed; undefined at the end. */
  async cursor(failed: Promise<never>): Promise<BatchCursor | undefined> {
    while (this.current === undefined || this.current.done) {
      const next = this.queue.shift();
      if (next) this.current = new BatchCursor(next);
      else if (this.finished) return (this.current = undefined);
      else await Promise.race([new Promise<void>((resolve) => (this.wake = resolve)), failed]);
    }
    return this.current;
  }
}

export async function backfillToLog(
  options: GenerateOptions,
  producer: LogProducer,
  opts: { labels?: NdjsonFile; progress?: Progress; signal?: AbortSignal },
): Promise<{ events: number; rejected: number }> {
  const count = options.mode.kind === "backfill" ? BACKFILL_SHARDS : 1;
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
  try {
    const cursors: (BatchCursor | undefined)[] = await Promise.all(feeds.map((f) => f.cursor(failed)));
    for (;;) {
      // The shard whose next event is earliest (ties: the lower shard), and the event time up
      // to which it may go on before another shard's turn.
      let pick = -1;
      for (let i = 0; i < count; i++)
        if (cursors[i] && (pick < 0 || cursors[i]!.at < cursors[pick]!.at)) pick = i;
      if (pick < 0) break;
      let bound = Infinity;
      let boundShard = count;
      for (let i = 0; i < count; i++) {
        if (i !== pick && cursors[i] && cursors[i]!.at < bound) {
          bound = cursors[i]!.at;
          boundShard = i;
        }
      }
      const cursor = cursors[pick]!;
      let produced = 0;
      while (!cursor.done && (cursor.at < bound || (cursor.at === bound && pick < boundShard))) {
        const record = { topic: cursor.topic, key: cursor.key, value: cursor.value() };
        if (!producer.enqueue(record)) await producer.waitForRoom();
        const label = cursor.label();
        if (label !== undefined && opts.labels && !opts.labels.write(label)) await opts.labels.drained();
        cursor.advance();
        produced++;
      }
      events += produced;
      opts.progress?.add(produced);
      if (cursor.done) {
        feeds[pick]!.worker.postMessage({ kind: "credit" });
        cursors[pick] = await feeds[pick]!.cursor(failed);
      }
    }
    return { events, rejected: feeds.reduce((n, f) => n + f.rejected, 0) };
  } catch (err) {
    if (opts.signal?.aborted) return { events, rejected: feeds.reduce((n, f) => n + f.rejected, 0) };
    throw err;
  } finally {
    opts.signal?.removeEventListener("abort", stop);
    await Promise.all(feeds.map((f) => f.worker.terminate()));
  }
}
