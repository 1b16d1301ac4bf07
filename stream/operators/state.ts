/**
 * A shard's operator state: plain maps that remember what changed since the last commit, so
 * each batch persists only its changes (in the same Postgres transaction as its output rows
 * and offsets; state-log.ts). After a failed commit the shard is reloaded from Postgres instead of undoing
 * in memory: a failure is rare, and the committed copy is by definition right.
 */
export class Keyed<V> {
  readonly map = new Map<string, V>();
  private readonly changed = new Set<string>();
  /** Keys created since the last takeChanges: deleted again before it, they are never written. */
  private readonly born = new Set<string>();

  get(key: string): V | undefined {
    return this.map.get(key);
  }

  has(key: string): boolean {
    return this.map.has(key);
  }

  /** Stores `value`; also call after mutating a value in place, so the change is persisted. */
  set(key: string, value: V): void {
    // Not "born" if deleted earlier in this batch: that deletion must still reach Postgres.
    if (!this.map.has(key) && !this.changed.has(key)) this.born.add(key);
    this.map.set(key, value);
    this.changed.add(key);
  }

  delete(key: string): void {
    if (!this.map.delete(key)) return;
    // A session that opened and closed within one batch costs no write at all.
    if (this.born.delete(key)) this.changed.delete(key);
    else this.changed.add(key);
  }

  /** Loads committed state without marking it changed. */
  restore(key: string, value: V): void {
    this.map.set(key, value);
  }

  /** Replays a committed deletion without marking it changed. */
  forget(key: string): void {
    this.map.delete(key);
  }

  get size(): number {
    return this.map.size;
  }

  /** What to write since the last call: upserts (current value) and deletions. */
  takeChanges(): { upserts: [string, V][]; deletes: string[] } {
    const upserts: [string, V][] = [];
    const deletes: string[] = [];
    for (const key of this.changed) {
      const value = this.map.get(key);
      if (value === undefined) deletes.push(key);
      else upserts.push([key, value]);
    }
    this.changed.clear();
    this.born.clear();
    return { upserts, deletes };
  }
}

/** A group of event ids first seen in one batch on one partition, persisted as one row. */
export interface SeenGroup {
  /** The largest event time in the group: once the watermark passes it, the group can go. */
  max: number;
  ids: string[];
  times: number[];
}

/**
 * The event ids still within the lateness, for deduplication. Looked up per event in memory;
 * persisted as one row per batch and partition rather than one per event (a tenth of the
 * commit time at backfill speed when it was one row per id).
 */
class SeenIds {
  private readonly ids = new Map<string, number>();
  readonly groups = new Keyed<SeenGroup>();
  /** Topic -> the group this batch's new ids of that topic go to. */
  private readonly open = new Map<string, { name: string; group: SeenGroup }>();

  has(key: string): boolean {
    return this.ids.has(key);
  }

  get size(): number {
    return this.ids.size;
  }

  /**
   * Remembers `key`, seen at `offset` of `topic`. The batch's ids of one topic share a row,
   * named by the topic and the first offset (so a replayed batch rewrites the same row).
   */
  add(key: string, time: number, topic: string, offset: number): void {
    this.ids.set(key, time);
    let open = this.open.get(topic);
    if (!open) {
      open = { name: `${topic}:${offset}`, group: { max: time, ids: [], times: [] } };
      this.open.set(topic, open);
    }
    const g = open.group;
    g.ids.push(key);
    g.times.push(time);
    if (time > g.max) g.max = time;
    this.groups.set(open.name, g);
  }

  /** Ends the batch: later ids go to new groups. */
  seal(): void {
    this.open.clear();
  }

  /** Forgets ids older than their topic's limit, and the groups wholly behind it. */
  prune(limitOf: (key: string) => number | undefined): void {
    for (const [key, time] of this.ids) {
      const limit = limitOf(key);
      if (limit !== undefined && time < limit) this.ids.delete(key);
    }
    for (const [name, g] of this.groups.map) {
      const limit = limitOf(name);
      if (limit !== undefined && g.max < limit) this.groups.delete(name);
    }
  }

  /** Rebuilds the lookup from the groups loaded from Postgres. */
  rebuild(): void {
    this.ids.clear();
    for (const g of this.groups.map.values())
      for (let i = 0; i < g.ids.length; i++) this.ids.set(g.ids[i]!, g.times[i]!);
  }
}

/**
 * The state of one shard: the event-time high marks and event ids every operator relies on,
 * and each operator's own keys under its namespace (operator.ts), all persisted in the state
 * log (state-log.ts).
 */
export class ShardState {
  /** Topic -> the largest event time seen on this shard's partition of it. */
  readonly maxTime = new Keyed<number>();
  /** `<topic>:<event id>` of the events still within the lateness. */
  readonly seen = new SeenIds();
  private readonly spaces = new Map<string, Keyed<unknown>>();

  /** An operator's keys, under the namespace it persists them in. */
  keyed<V>(namespace: string): Keyed<V> {
    let k = this.spaces.get(namespace);
    if (!k) this.spaces.set(namespace, (k = new Keyed<unknown>()));
    return k as Keyed<V>;
  }

  namespaces(): Record<string, Keyed<unknown>> {
    return { wm: this.maxTime, seen: this.seen.groups, ...Object.fromEntries(this.spaces) };
  }
}
