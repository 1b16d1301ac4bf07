/**
 * `lakehouse ingest generate`: runs the journey simulator in real time (event time = now, at
 * a steady rate) or as a backfill (N days as fast as possible), into files or the event log.
 */
import { sleep } from "../core/retry.ts";
import type { Progress } from "../core/progress.ts";
import type { EventOutput } from "./outputs.ts";
import { JourneySimulator, type SimulationOptions } from "./generator/simulator.ts";
import { ShardedSimulation, shardCount, type Simulation } from "./generator/sharded.ts";

export const DAY_MS = 86_400_000;

export interface GenerateOptions {
  seed: number;
  users: number;
  products: number;
  anomalyRate: number;
  /** Other random streams of the same seed (SimulationOptions.salt). */
  salt?: number;
  mode:
    | { kind: "realtime"; eventsPerSecond: number; durationMs: number; startAt: number }
    | { kind: "backfill"; days: number; until: number; transactionsPerDay: number };
}

/** The simulator's options for a generate run. */
export function simulationOptions(options: GenerateOptions): SimulationOptions {
  const { mode } = options;
  const [start, end] =
    mode.kind === "realtime"
      ? [mode.startAt, mode.startAt + mode.durationMs]
      : [mode.until - mode.days * DAY_MS, mode.until];
  return {
    seed: options.seed,
    users: options.users,
    products: options.products,
    start,
    end,
    anomalyRate: options.anomalyRate,
    ...(options.salt ? { salt: options.salt } : {}),
    volume:
      mode.kind === "realtime"
        ? { eventsPerSecond: mode.eventsPerSecond }
        : { transactionsPerDay: mode.transactionsPerDay },
  };
}

/** Real time: one simulator. Backfill: shards of shoppers merged in event-time order (sharded.ts). */
export function simulatorFor(options: GenerateOptions): Simulation {
  const sim = simulationOptions(options);
  const count = shardCount(options.mode);
  return count === 1 ? new JourneySimulator(sim) : new ShardedSimulation(sim, count);
}

/**
 * Writes every event of the simulation to `output`. In real time an event is written when
 * the clock reaches its timestamp; `signal` stops early (the caller then closes the output,
 * which flushes what was written).
 */
export async function generate(
  simulator: Simulation,
  output: EventOutput,
  options: {
    realtime: boolean;
    progress?: Progress;
    signal?: AbortSignal;
    /** The clock and the way to wait; tests pass a virtual pair. */
    now?: () => number;
    sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  },
): Promise<number> {
  const now = options.now ?? Date.now;
  const wait = options.sleep ?? sleep;
  let written = 0;
  for (const event of simulator.events()) {
    if (options.signal?.aborted) break;
    if (options.realtime) {
      const ahead = event.at - now();
      // Sleeping per event is too fine-grained at high rates; catch up in small bursts.
      if (ahead > 4) await wait(ahead, options.signal).catch(() => {});
      if (options.signal?.aborted) break;
    }
    if (!output.write(event.topic, event.key, event.value, event.labels)) await output.waitForRoom();
    written++;
    options.progress?.add();
  }
  return written;
}
