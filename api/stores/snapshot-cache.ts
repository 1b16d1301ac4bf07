/**
 * Published snapshots never change (a publish writes a new one and moves the pointer), so what
 * was read from one stays right for as long as anyone asks for that snapshot. Two levels:
 *
 * - **Resident tables**: the current snapshot of each table that fits in `residentRows` (all
 *   tables together) is read whole once, in the background, and answered from memory
 *   (./resident-table.ts). `watch` reads each table's snapshot at start and each new publish
 *   within `everyMs`, before the first request asks for it: a store busy with per-query scans
 *   may never find the time for a whole read. Until it has loaded, and for a table too large,
 *   queries go to the store.
 * - **Answers**: otherwise the rows of recent lookups and first pages are kept, keyed by table,
 *   snapshot and query, up to `lookupRows` rows (least recently used first out).
 *
 * A new publish changes the snapshot id, so nothing is served stale. Only the current snapshot
 * is made resident and pages after a cursor are not kept as answers: a cursor into a snapshot
 * the store no longer holds must still get its 409 from the store.
 */
import { LRUCache } from "lru-cache";
import type { Logger } from "../../core/logger.ts";
import { gauge } from "../../core/metrics.ts";
import { ResidentTable } from "./resident-table.ts";
import type { Row, Snapshot, TableQuery, WarehouseStore } from "./warehouse.ts";

export interface SnapshotCacheOptions {
  /** Rows of answers kept; 0 keeps none. */
  lookupRows: number;
  /** Rows of whole snapshots held, all tables together; 0 holds none. */
  residentRows: number;
  logger?: Logger;
  /** Wait before reading a snapshot again after a failed read. */
  retryMs?: number;
}

/** How soon `lakehouse api` reads a new publish into memory without a request asking for it. */
export const PUBLISH_WATCH_MS = 5000;

const residentRows = gauge(
  "lakehouse_api_warehouse_resident_rows",
  "Rows of the current warehouse snapshot the API holds in memory, per table (0: read from the store)",
  ["table"],
);

interface Held {
  snapshotId: string;
  table: ResidentTable;
}

/** Which snapshot of each table is held, and the loads under way (one at a time). */
class Residents {
  private readonly held = new Map<string, Held>();
  private readonly refused = new Map<string, { snapshotId: string; until: number }>();
  private readonly loading = new Set<string>();
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: WarehouseStore,
    private readonly budget: number,
    private readonly retryMs: number,
    private readonly logger: Logger | undefined,
  ) {}

  get(table: string, snapshot: Snapshot): ResidentTable | undefined {
    const held = this.held.get(table);
    return held?.snapshotId === snapshot.id ? held.table : undefined;
  }

  /** `snapshot` is current for `table`: read it whole if it is not held yet. */
  notice(table: string, snapshot: Snapshot): void {
    if (this.held.get(table)?.snapshotId === snapshot.id || this.loading.has(table)) return;
    const refused = this.refused.get(table);
    if (refused?.snapshotId === snapshot.id && Date.now() < refused.until) return;
    this.loading.add(table);
    this.queue = this.queue.then(() => this.load(table, snapshot));
  }

  /** Resolves once every load started so far has ended. */
  settled(): Promise<void> {
    return this.queue;
  }

  private async load(table: string, snapshot: Snapshot): Promise<void> {
    try {
      let used = 0;
      for (const [name, h] of this.held) if (name !== table) used += h.table.size;
      const started = performance.now();
      const rows = await this.store.readAll(table, snapshot, this.budget - used);
      if (rows === undefined) {
        this.refused.set(table, { snapshotId: snapshot.id, until: Number.POSITIVE_INFINITY });
        this.held.delete(table); // an older snapshot is never served again: free it
        residentRows.set({ table }, 0);
        this.logger?.info(
          { table, snapshot: snapshot.id, budget: this.budget - used },
          "snapshot larger than API_WAREHOUSE_RESIDENT_ROWS leaves: read from the store per query",
        );
        return;
      }
      for (const row of rows) Object.freeze(row); // every later request shares these objects
      this.held.set(table, { snapshotId: snapshot.id, table: new ResidentTable(rows) });
      residentRows.set({ table }, rows.length);
      this.logger?.info(
        { table, snapshot: snapshot.id, rows: rows.length, ms: Math.round(performance.now() - started) },
        "snapshot held in memory",
      );
    } catch (err) {
      this.refused.set(table, { snapshotId: snapshot.id, until: Date.now() + this.retryMs });
      this.logger?.warn(
        {
          table,
          snapshot: snapshot.id,
          err: (err as Error).message,
          cause: ((err as Error).cause as Error | undefined)?.message,
          retry_ms: this.retryMs,
        },
        "could not read the snapshot whole; reading from the store per query until the retry",
      );
    } finally {
      this.loading.delete(table);
    }
  }
}

export interface CachedWarehouse extends WarehouseStore {
  /** Resolves once the snapshot reads started so far have ended (tests, the bench). */
  settled(): Promise<void>;
  /**
   * Asks for the current snapshot of each of `tables` now and every `everyMs`, and reads the
   * new ones whole, until `close`. Without it a snapshot is read when a request first sees it.
   */
  watch(tables: readonly string[], everyMs: number): void;
}

export function cachedWarehouse(store: WarehouseStore, options: SnapshotCacheOptions): CachedWarehouse {
  const residents =
    options.residentRows > 0
      ? new Residents(store, options.residentRows, options.retryMs ?? 10_000, options.logger)
      : undefined;
  const kept =
    options.lookupRows > 0
      ? new LRUCache<string, Row[]>({
          maxSize: options.lookupRows,
          sizeCalculation: (rows) => rows.length + 1,
        })
      : undefined;
  let watching: NodeJS.Timeout | undefined;
  const look = (tables: readonly string[]) => {
    for (const table of tables)
      store.current(table).then(
        (snapshot) => snapshot && residents?.notice(table, snapshot),
        // The store away: requests answer 503 and /healthz says so; the next look retries.
        (err: Error) => options.logger?.debug({ table, err: err.message }, "warehouse pointer unreadable"),
      );
  };
  return {
    kind: store.kind,
    runs: store.runs,
    async current(table) {
      const snapshot = await store.current(table);
      if (snapshot) residents?.notice(table, snapshot);
      return snapshot;
    },
    async find(table: string, snapshot: Snapshot, query: TableQuery): Promise<Row[]> {
      if (residents) {
        // Only while it is current: a snapshot two publishes old must get its 409 from the store.
        const current = await store.current(table);
        if (current) residents.notice(table, current);
        const resident = current?.id === snapshot.id ? residents.get(table, snapshot) : undefined;
        if (resident) return resident.find(query);
      }
      if (!kept || query.after !== undefined) return store.find(table, snapshot, query);
      const key = `${table}\u0000${snapshot.id}\u0000${JSON.stringify(query)}`;
      const hit = kept.get(key);
      if (hit) return hit;
      const rows = await store.find(table, snapshot, query);
      // Frozen: every later request shares these objects.
      kept.set(key, Object.freeze(rows.map((r) => Object.freeze(r))) as Row[]);
      return rows;
    },
    readAll: (table, snapshot, maxRows) => store.readAll(table, snapshot, maxRows),
    settled: () => residents?.settled() ?? Promise.resolve(),
    watch(tables, everyMs) {
      if (!residents || watching) return;
      look(tables);
      watching = setInterval(() => look(tables), everyMs).unref();
    },
    ping: () => store.ping(),
    close: () => {
      clearInterval(watching);
      return store.close();
    },
  };
}
