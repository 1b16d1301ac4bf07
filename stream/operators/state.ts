/**
 * A shard's operator state: plain maps that remember what changed since the last commit, so
 * each batch persists only its changes (in the same Postgres transaction as its output rows
 * and offsets). After a failed commit the shard is reloaded from Postgres instead of undoing
 * in memory: a failure is rare, and the committed copy is by definition right.
 */
export class Keyed<V> {
  readonly map = new Map<string, V>();
  private readonly changed = new Set<string>();

  get(key: string): V | undefined {
    return this.map.get(key);
  }

  has(key: string): boolean {
    return this.map.has(key);
  }

  /** Stores `value`; also call after mutating a value in place, so the change is persisted. */
  set(key: string, value: V): void {
    this.map.set(key, value);
    this.changed.add(key);
  }

  delete(key: string): void {
    if (this.map.delete(key)) this.changed.add(key);
  }

  /** Loads committed state without marking it changed. */
  restore(key: string, value: V): void {
    this.map.set(key, value);
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
    return { upserts, deletes };
  }
}

export interface UserHistory {
  /** Earlier payments: count, mean and sum of squared deviations (Welford), in cents. */
  n: number;
  mean: number;
  m2: number;
  /** Recent transactions, oldest first: [event time, cents, transaction id]. */
  recent: [number, number, string][];
}

export interface SessionState {
  user: string;
  start: number;
  end: number;
  views: number;
  adds: number;
  removes: number;
  updates: number;
  purchases: number;
  purchaseCents: number;
  /** product id -> [quantity in the cart now, event time of its last cart event]. */
  cart: Record<string, [number, number]>;
  lastCart: number | null;
  /** Event time of the last checkout: cart events up to it were emptied by it. */
  lastPurchase: number | null;
  /** The last cart activity an abandonment was already reported for. */
  abandonedFor: number | null;
}

/** The namespaces persisted in `stream_state`, and the state of one shard. */
export class ShardState {
  /** Topic -> the largest event time seen on this shard's partition of it. */
  readonly maxTime = new Keyed<number>();
  /** `<topic>:<event id>` -> event time, for the events still within the lateness. */
  readonly seen = new Keyed<number>();
  readonly users = new Keyed<UserHistory>();
  readonly sessions = new Keyed<SessionState>();
  /** Event-time hours (ms) this shard sold units in and has not closed yet. */
  readonly openHours = new Keyed<number>();

  namespaces(): Record<string, Keyed<unknown>> {
    return {
      wm: this.maxTime,
      seen: this.seen,
      user: this.users,
      session: this.sessions,
      hour: this.openHours,
    };
  }
}
