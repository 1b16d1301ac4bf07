/**
 * The warehouse as the API reads it: the gold tables of one published snapshot, queried by
 * equality and range filters in keyset order. Two adapters give the same rows: MongoDB (the
 * `warehouse_current` pointers, warehouse/publish.ts) and the embedded DuckDB gold file
 * (warehouse/duckdb-warehouse.ts). Rows are what DuckDB's to_json makes of a gold row, which is
 * exactly what the MongoDB publish stored, so both stacks serialise from the same values.
 */
import type { KeyValue } from "../cursor.ts";
import type { RunHistory } from "../../warehouse/runs.ts";

export interface Snapshot {
  /** The run that published the table: what a cursor pins. */
  id: string;
  date: string;
}

export type Condition = { field: string; op: "eq" | "gte" | "lte" | "in"; value: KeyValue | KeyValue[] };

export interface TableQuery {
  where: Condition[];
  /** Keyset order; the last fields must make the order unique. */
  order: { field: string; desc?: boolean }[];
  /** The order key of the last row already sent. */
  after?: readonly KeyValue[];
  limit: number;
}

export type Row = Record<string, unknown>;

export interface WarehouseStore {
  readonly kind: "mongodb" | "duckdb";
  /** The current snapshot of `table`, or undefined before its first publish. */
  current(table: string): Promise<Snapshot | undefined>;
  /**
   * Rows of `table` as of `snapshot` (current, or one an open cursor pinned). CONFLICT (409)
   * when that snapshot is no longer kept.
   */
  find(table: string, snapshot: Snapshot, query: TableQuery): Promise<Row[]>;
  /**
   * Every row of `table` as of `snapshot`, in no particular order, or undefined when it holds
   * more than `maxRows` (counted before anything is read).
   */
  readAll(table: string, snapshot: Snapshot, maxRows: number): Promise<Row[] | undefined>;
  readonly runs: RunHistory;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export const GONE = (table: string) =>
  `the ${table} snapshot this cursor walks was replaced twice since; start the walk again`;
