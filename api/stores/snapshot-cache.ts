/**
 * Published snapshots never change (a publish writes a new one and moves the pointer), so an
 * answer read from one is right for as long as anyone asks for that snapshot. This keeps the
 * rows of recent lookups and first pages, keyed by table, snapshot and query, up to `maxRows`
 * rows in all (least recently used first out). A new publish changes the snapshot id, so it
 * is never served stale. Pages after a cursor are not kept: a cursor into a snapshot that is
 * gone must still get its 409 from the store.
 */
import { LRUCache } from "lru-cache";
import type { Row, Snapshot, TableQuery, WarehouseStore } from "./warehouse.ts";

export function cachedWarehouse(store: WarehouseStore, maxRows: number): WarehouseStore {
  if (maxRows <= 0) return store;
  const kept = new LRUCache<string, Row[]>({ maxSize: maxRows, sizeCalculation: (rows) => rows.length + 1 });
  return {
    kind: store.kind,
    runs: store.runs,
    current: (table) => store.current(table),
    async find(table: string, snapshot: Snapshot, query: TableQuery): Promise<Row[]> {
      if (query.after !== undefined) return store.find(table, snapshot, query);
      const key = `${table}\u0000${snapshot.id}\u0000${JSON.stringify(query)}`;
      const hit = kept.get(key);
      if (hit) return hit;
      const rows = await store.find(table, snapshot, query);
      // Frozen: every later request shares these objects.
      kept.set(key, Object.freeze(rows.map((r) => Object.freeze(r))) as Row[]);
      return rows;
    },
    ping: () => store.ping(),
    close: () => store.close(),
  };
}
