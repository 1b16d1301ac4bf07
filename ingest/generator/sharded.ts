/**
 * A simulation split by shopper into independent shards (simulator.ts `shard`), merged back
 * into one stream in event-time order: ties go to the lower shard, and within a shard its own
 * order holds. The shards share nothing, so a backfill can run each on its own thread
 * (backfill.ts merges their batches the same way) and still produce exactly this sequence;
 * the shard count is fixed per mode, never taken from the machine, so the same seed and flags
 * give the same bytes everywhere.
 */
import type { Catalog } from "../reference/catalog.ts";
import type { GeneratedEvent } from "./event.ts";
import { JourneySimulator, type SimulationOptions } from "./simulator.ts";

/** Shards of a backfill: one simulation thread each (measured: the simulation was the limit). */
const BACKFILL_SHARDS = 2;

/** Shards of a run: part of the mode (a real-time feed is one simulator), never the machine's. */
export const shardCount = (mode: { kind: "realtime" | "backfill" }): number =>
  mode.kind === "backfill" ? BACKFILL_SHARDS : 1;

export interface Simulation {
  readonly catalog: Catalog;
  /** Planted anomaly episodes. */
  readonly episodes: number;
  events(): Iterable<GeneratedEvent>;
}

export class ShardedSimulation implements Simulation {
  readonly shards: JourneySimulator[];

  constructor(options: SimulationOptions, count: number) {
    this.shards = Array.from(
      { length: count },
      (_, index) => new JourneySimulator({ ...options, shard: { index, count } }),
    );
  }

  get catalog(): Catalog {
    return this.shards[0]!.catalog;
  }

  get episodes(): number {
    return this.shards.reduce((n, s) => n + s.episodes, 0);
  }

  *events(): Generator<GeneratedEvent> {
    const sources = this.shards.map((s) => s.events()[Symbol.iterator]());
    const heads = sources.map((s) => s.next().value as GeneratedEvent | undefined);
    for (let pick = earliest(heads); pick >= 0; pick = earliest(heads)) {
      yield heads[pick]!;
      heads[pick] = sources[pick]!.next().value as GeneratedEvent | undefined;
    }
  }
}

/**
 * The merge rule: the index of the head with the earliest event time, ties to the lower index;
 * -1 when every shard is done. backfill.ts merges the shards' threads with the same rule.
 */
export function earliest(heads: readonly ({ readonly at: number } | undefined)[]): number {
  let pick = -1;
  for (let i = 0; i < heads.length; i++) {
    const head = heads[i];
    if (head !== undefined && (pick < 0 || head.at < heads[pick]!.at)) pick = i;
  }
  return pick;
}
