/**
 * A backfill into the event log as fast as the machine allows: the simulation runs on a
 * worker thread (worker.ts) while this thread only hands records to the producer, so the two
 * halves of the work use both cores.
 */
import { Worker } from "node:worker_threads";
import type { LogProducer } from "../core/eventlog/port.ts";
import type { Progress } from "../core/progress.ts";
import { decodeBatch } from "./generator/batch.ts";
import type { WorkerInput, WorkerMessage } from "./generator/worker.ts";
import type { GenerateOptions } from "./generate.ts";
import type { NdjsonFile } from "./outputs.ts";

export async function backfillToLog(
  options: GenerateOptions,
  producer: LogProducer,
  opts: { labels?: NdjsonFile; progress?: Progress; signal?: AbortSignal },
): Promise<{ events: number; rejected: number }> {
  const input: WorkerInput = { options, batchSize: 20_000, maxOutstanding: 4 };
  const worker = new Worker(new URL("./generator/worker-entry.mjs", import.meta.url), { workerData: input });
  let events = 0;
  const abort = () => void worker.terminate();
  opts.signal?.addEventListener("abort", abort, { once: true });
  try {
    return await new Promise((resolve, reject) => {
      // Batches are handled one at a time, in order.
      let chain = Promise.resolve();
      worker.on("error", reject);
      worker.on("exit", (code) => {
        if (opts.signal?.aborted) void chain.then(() => resolve({ events, rejected: 0 }));
        else if (code !== 0) reject(new Error(`generator worker exited with code ${code}`));
      });
      worker.on("message", (message: WorkerMessage) => {
        chain = chain
          .then(async () => {
            if (message.kind === "done") {
              resolve({ events, rejected: message.rejected });
              return;
            }
            const { batch } = message;
            for (const record of decodeBatch(batch))
              if (!producer.enqueue(record)) await producer.waitForRoom();
            for (const line of batch.labels)
              if (opts.labels && !opts.labels.write(line)) await opts.labels.drained();
            events += batch.count;
            opts.progress?.add(batch.count);
            worker.postMessage({ kind: "credit" });
          })
          .catch(reject);
      });
    });
  } finally {
    opts.signal?.removeEventListener("abort", abort);
    await worker.terminate();
  }
}
