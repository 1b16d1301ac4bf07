/**
 * One published snapshot of a gold table held whole in memory, answering the same queries the
 * stores answer (api/stores/warehouse.ts) without a round trip. Neither warehouse that runs
 * here has a point index (FerretDB scans a collection for any filter, DuckDB scans even a
 * primary key), so a cold lookup costs a scan there and a map lookup here.
 *
 * Semantics follow the stores: `eq`/`in` match equal values, `gte`/`lte` compare values of the
 * same type only (MongoDB's type brackets; a null never matches), strings compare by code unit
 * (the stores compare bytes: the same order for the ASCII and UUID keys the routes sort on),
 * and nulls sort last in either direction, as DuckDB's default does.
 */
import { LRUCache } from "lru-cache";
import type { KeyValue } from "../cursor.ts";
import type { Condition, Row, TableQuery } from "./warehouse.ts";

type Order = TableQuery["order"];

type Comparable = string | number;

/** Candidate sets at least this large keep their sorted order for the next page. */
const SORT_MEMO_MIN = 256;

function compareValues(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return 1;
  if (b === null || b === undefined) return -1;
  return (a as Comparable) < (b as Comparable) ? -1 : (a as Comparable) > (b as Comparable) ? 1 : 0;
}

/** One order field of two rows (or a row and a cursor key); nulls last either way. */
function compareField(desc: boolean | undefined, a: unknown, b: unknown): number {
  const c = compareValues(a, b);
  return desc && a != null && b != null ? -c : c;
}

function rowComparator(order: Order): (a: Row, b: Row) => number {
  return (a, b) => {
    for (const o of order) {
      const c = compareField(o.desc, a[o.field], b[o.field]);
      if (c !== 0) return c;
    }
    return 0;
  };
}

/** Row's order key against a cursor's: negative when the row comes first. */
function compareToKey(row: Row, order: Order, key: readonly KeyValue[]): number {
  for (let i = 0; i < order.length; i++) {
    const c = compareField(order[i]!.desc, row[order[i]!.field], key[i]);
    if (c !== 0) return c;
  }
  return 0;
}

function matches(row: Row, c: Condition): boolean {
  const v = row[c.field];
  switch (c.op) {
    case "eq":
      return v === c.value;
    case "in":
      return (c.value as KeyValue[]).includes(v as KeyValue);
    case "gte":
      return c.value !== null && typeof v === typeof c.value && (v as Comparable) >= (c.value as Comparable);
    case "lte":
      return c.value !== null && typeof v === typeof c.value && (v as Comparable) <= (c.value as Comparable);
  }
}

export class ResidentTable {
  /** Lazily built per field on its first equality filter. */
  private readonly indexes = new Map<string, Map<unknown, Row[]>>();
  private readonly sorted = new LRUCache<string, Row[]>({ max: 256 });

  constructor(private readonly rows: readonly Row[]) {}

  get size(): number {
    return this.rows.length;
  }

  find(query: TableQuery): Row[] {
    const sorted = this.candidates(query.where, query.order);
    let start = 0;
    if (query.after) {
      const after = query.after;
      // First row strictly after the cursor's key.
      let lo = 0;
      let hi = sorted.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (compareToKey(sorted[mid]!, query.order, after) <= 0) lo = mid + 1;
        else hi = mid;
      }
      start = lo;
    }
    return sorted.slice(start, start + query.limit);
  }

  /** The rows matching `where`, in `order`. */
  private candidates(where: Condition[], order: Order): readonly Row[] {
    const eq = where.find((c) => c.op === "eq");
    const base = eq ? (this.index(eq.field).get(eq.value) ?? []) : this.rows;
    // A lookup's few rows are cheaper to sort again than to key a memo (the hot path).
    const memoKey = base.length >= SORT_MEMO_MIN ? JSON.stringify([where, order]) : undefined;
    const memo = memoKey === undefined ? undefined : this.sorted.get(memoKey);
    if (memo) return memo;
    const rest = where.filter((c) => c !== eq);
    const picked = rest.length === 0 ? base.slice() : base.filter((r) => rest.every((c) => matches(r, c)));
    if (order.length > 0 && picked.length > 1) picked.sort(rowComparator(order));
    if (memoKey !== undefined) this.sorted.set(memoKey, picked);
    return picked;
  }

  private index(field: string): Map<unknown, Row[]> {
    let index = this.indexes.get(field);
    if (!index) {
      index = new Map();
      for (const row of this.rows) {
        const v = row[field];
        const list = index.get(v);
        if (list) list.push(row);
        else index.set(v, [row]);
      }
      this.indexes.set(field, index);
    }
    return index;
  }
}
