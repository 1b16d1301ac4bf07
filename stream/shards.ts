/**
 * The shards this worker owns. Partition N of every topic is shard N; a shard is taken on
 * assignment (fencing its previous owner, loading its state and the offsets stored with it),
 * released when the group takes it away, and lost when a commit finds a newer owner.
 */
import type { Sql } from "../core/db/sql.ts";
import type { Logger } from "../core/logger.ts";
import { gauge } from "../core/metrics.ts";
import { retry } from "../core/retry.ts";
import type { ShardState } from "./operators/state.ts";
import type { StateLogPosition } from "./operators/state-log.ts";
import { takeShard } from "./postgres/shard-store.ts";

const shardsGauge = gauge("stream_owned_shards", "Shards this worker owns");

export interface Shard {
  id: number;
  epoch: number;
  state: ShardState;
  position: StateLogPosition;
  /** Topic -> next offset to process. */
  next: Map<string, number>;
  /** Topic -> wall-clock time of its last record (idleness.ts). */
  lastRecordAt: Map<string, number>;
  lastWatermark: number;
  lastPrune: number;
}

const stateKeys = (state: ShardState) => Object.values(state.namespaces()).reduce((n, k) => n + k.size, 0);

export class OwnedShards {
  private readonly shards = new Map<number, Shard>();
  /** After `lakehouse stream rebuild`: rows keyed before this time are not written again. */
  writeFrom: number | undefined;

  constructor(
    private readonly sql: Sql,
    private readonly group: string,
    private readonly owner: string,
    private readonly topics: readonly string[],
    private readonly now: () => number,
    private readonly logger: Logger,
  ) {}

  get(id: number): Shard | undefined {
    return this.shards.get(id);
  }

  /** Whether `shard` is still this worker's (not lost, released or taken again since). */
  holds(shard: Shard): boolean {
    return this.shards.get(shard.id) === shard;
  }

  all(): Shard[] {
    return [...this.shards.values()];
  }

  ids(): number[] {
    return [...this.shards.keys()];
  }

  async take(id: number): Promise<Shard> {
    const loaded = await retry(() => takeShard(this.sql, this.group, id, this.owner), {
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
  lose(id: number, err: Error): void {
    this.logger.warn({ shard: id, err: err.message }, `lost shard ${id}: ${err.message}`);
    this.release(id, "fenced");
  }

  /** Lets the shard go: the group gave it to another member, or it was lost. */
  release(id: number, why: string): void {
    if (this.shards.delete(id)) this.logger.info({ shard: id }, `released shard ${id} (${why})`);
    shardsGauge.set(this.shards.size);
  }
}
