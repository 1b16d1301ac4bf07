/**
 * The demo's producer: the backfill, then the real-time feed, through the same edge validation
 * as `lakehouse ingest generate`. After a restart the backfill is generated again from the same
 * parameters and the records the journal already holds are skipped: the journal keeps a prefix
 * of the production order and every generated event becomes exactly one record (on its topic
 * or as a dead letter), so nothing is produced twice or left out.
 */
import type { MemoryLog } from "../../core/eventlog/memory-log.ts";
import type { EventTopic } from "../../core/events/topics.ts";
import { EdgePublisher } from "../../ingest/edge.ts";
import { generate, simulatorFor } from "../../ingest/generate.ts";
import { LogOutput, type EventOutput } from "../../ingest/outputs.ts";
import type { DemoParams } from "./state.ts";

const HOUR = 3_600_000;

/** Drops the first `skip` writes: the part of the sequence the journal already has. */
class Skipping implements EventOutput {
  constructor(
    private readonly inner: EventOutput,
    private skip: number,
  ) {}
  write(topic: EventTopic, key: string, value: object): boolean {
    if (this.skip > 0) {
      this.skip--;
      return true;
    }
    return this.inner.write(topic, key, value);
  }
  waitForRoom = () => this.inner.waitForRoom();
  close = () => this.inner.close();
}

export function backfillSimulator(p: DemoParams) {
  return simulatorFor({
    seed: p.seed,
    users: p.users,
    products: p.products,
    anomalyRate: 0.005,
    mode: { kind: "backfill", days: p.days, until: p.until, transactionsPerDay: p.perDay },
  });
}

/** Produces what the backfill still lacks; returns the records produced now. */
export async function backfill(log: MemoryLog, p: DemoParams, signal: AbortSignal): Promise<number> {
  const already = log.size;
  const output = new Skipping(new LogOutput(new EdgePublisher(log)), already);
  const generated = await generate(backfillSimulator(p), output, { realtime: false, signal });
  await output.close();
  return Math.max(0, generated - already);
}

/**
 * Events at `rate` a second with event time = now, until `signal`: an hour's simulation at a
 * time (a simulator reserves users for the anomaly episodes of its whole span), each on its own
 * random streams, so no two hours or starts repeat an id.
 */
export async function realtime(
  log: MemoryLog,
  p: DemoParams,
  rate: number,
  start: number,
  signal: AbortSignal,
) {
  const output = new LogOutput(new EdgePublisher(log));
  for (let hour = 0; !signal.aborted; hour++) {
    const simulator = simulatorFor({
      seed: p.seed,
      users: p.users,
      products: p.products,
      anomalyRate: 0.005,
      salt: start * 100_000 + hour + 1,
      mode: { kind: "realtime", eventsPerSecond: rate, durationMs: HOUR, startAt: Date.now() },
    });
    await generate(simulator, output, { realtime: true, signal });
  }
  await output.close();
}
