/**
 * A simulation thread of a backfill: simulates one shard of the shoppers (sharded.ts),
 * serialises and validates its events (ingest/edge.ts), and posts them in batches to the
 * thread that merges and produces them. Flow control is by credit: at most `maxOutstanding`
 * batches are in the parent's hands at once.
 */
import { parentPort, workerData } from "node:worker_threads";
import { check, dlqRecord } from "../edge.ts";
import { simulationOptions, type GenerateOptions } from "../generate.ts";
import { BatchEncoder } from "./batch.ts";
import { labelLine } from "./event.ts";
import { JourneySimulator, type SimulationShard } from "./simulator.ts";

export interface WorkerInput {
  options: GenerateOptions;
  shard: SimulationShard;
  batchSize: number;
  maxOutstanding: number;
}

export type WorkerMessage =
  | { kind: "batch"; batch: import("./batch.ts").EncodedBatch }
  | { kind: "done"; episodes: number; rejected: number };

const { options, shard, batchSize, maxOutstanding } = workerData as WorkerInput;
const port = parentPort!;
let credit = maxOutstanding;
let wake: (() => void) | undefined;
port.on("message", (m: { kind: "credit" }) => {
  if (m.kind === "credit") {
    credit++;
    wake?.();
  }
});

const simulator = new JourneySimulator({ ...simulationOptions(options), shard });
const encoder = new BatchEncoder();
let rejected = 0;

async function post(): Promise<void> {
  while (credit === 0) await new Promise<void>((resolve) => (wake = resolve));
  credit--;
  const batch = encoder.take();
  port.postMessage({ kind: "batch", batch } satisfies WorkerMessage, [batch.bytes]);
}

for (const event of simulator.events()) {
  const json = JSON.stringify(event.value);
  // The edge rules without admit()'s record: the encoder copies the text itself.
  const result = check(event.topic, event.value, json);
  if (result.ok) encoder.add(event.topic, event.key, json, event.at);
  else {
    rejected++;
    const dlq = dlqRecord(event.topic, json, result.reason);
    encoder.add("dlq.events", dlq.key, dlq.value.toString("utf8"), event.at);
  }
  if (event.labels) encoder.label(labelLine(event.value, event.labels));
  if (encoder.count >= batchSize) await post();
}
if (encoder.count > 0) await post();
port.postMessage({ kind: "done", episodes: simulator.episodes, rejected } satisfies WorkerMessage);
