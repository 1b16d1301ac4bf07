/**
 * The warehouse of the embedded default: the gold DuckDB file the batch replaces whole on each
 * publish (warehouse/duckdb-warehouse.ts). The file is opened read-only; when a publish has
 * renamed a new file over it, the new one is opened and the previous one kept open (its inode
 * lives on while open), so a cursor walk finishes on the snapshot it started on. Older files are
 * closed; a cursor into one gets 409.
 */
import { stat } from "node:fs/promises";
import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";
import { LakehouseError } from "../../core/errors.ts";
import { DUCKDB_POINTERS } from "../../warehouse/duckdb-warehouse.ts";
import { fileRunHistory } from "../../warehouse/runs-file.ts";
import type { RunHistory } from "../../warehouse/runs.ts";
import type { KeyValue } from "../cursor.ts";
import {
  GONE,
  type Condition,
  type Row,
  type Snapshot,
  type TableQuery,
  type WarehouseStore,
} from "./warehouse.ts";

const CHECK_TTL_MS = 1000;
const CONNECTIONS = 4;

interface OpenFile {
  ino: number;
  mtimeMs: number;
  instance: DuckDBInstance;
  connections: DuckDBConnection[];
  next: number;
  tables: Map<string, Snapshot>;
}

const ident = (name: string) => {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new TypeError(`not an identifier: ${name}`);
  return name;
};

/** SQL and parameters for the query's filters and keyset position. */
export function duckdbWhere(query: TableQuery): { sql: string; params: KeyValue[] } {
  const params: KeyValue[] = [];
  const p = (v: KeyValue) => {
    params.push(v);
    return `$${params.length}`;
  };
  const parts = query.where.map((c: Condition) => {
    const f = ident(c.field);
    if (c.op === "in") return `${f} IN (${(c.value as KeyValue[]).map(p).join(", ")})`;
    return `${f} ${{ eq: "=", gte: ">=", lte: "<=" }[c.op]} ${p(c.value as KeyValue)}`;
  });
  if (query.after) {
    const after = query.after;
    const branches = query.order.map((o, i) => {
      const eqs = query.order.slice(0, i).map((e, j) => `${ident(e.field)} = ${p(after[j]!)}`);
      return [...eqs, `${ident(o.field)} ${o.desc ? "<" : ">"} ${p(after[i]!)}`].join(" AND ");
    });
    parts.push(`(${branches.map((b) => `(${b})`).join(" OR ")})`);
  }
  return { sql: parts.length === 0 ? "" : `WHERE ${parts.join(" AND ")}`, params };
}

export class DuckDbWarehouse implements WarehouseStore {
  readonly kind = "duckdb";
  readonly runs: RunHistory;
  /** Newest first; at most two. */
  private files: OpenFile[] = [];
  private checkedAt = 0;
  private checking: Promise<void> | undefined;

  constructor(
    private readonly path: string,
    historyFile: string,
  ) {
    this.runs = fileRunHistory(historyFile);
  }

  private async refresh(): Promise<void> {
    if (Date.now() - this.checkedAt < CHECK_TTL_MS) return;
    this.checking ??= this.reopenIfReplaced().finally(() => {
      this.checking = undefined;
      this.checkedAt = Date.now();
    });
    await this.checking;
  }

  private async reopenIfReplaced(): Promise<void> {
    let s;
    try {
      s = await stat(this.path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return; // nothing published yet
      throw err;
    }
    const newest = this.files[0];
    if (newest && newest.ino === s.ino && newest.mtimeMs === s.mtimeMs) return;
    const instance = await DuckDBInstance.create(this.path, { access_mode: "READ_ONLY", threads: "1" });
    const connections = await Promise.all(Array.from({ length: CONNECTIONS }, () => instance.connect()));
    const reader = await connections[0]!.runAndReadAll(
      `SELECT table_name, strftime(snapshot_date, '%Y-%m-%d'), run_id FROM ${DUCKDB_POINTERS}`,
    );
    const tables = new Map<string, Snapshot>();
    for (const [table, date, id] of reader.getRowsJS() as [string, string, string][])
      tables.set(table, { id, date });
    this.files.unshift({ ino: s.ino, mtimeMs: s.mtimeMs, instance, connections, next: 0, tables });
    for (const old of this.files.splice(2)) closeFile(old);
  }

  async current(table: string): Promise<Snapshot | undefined> {
    await this.refresh();
    return this.files[0]?.tables.get(table);
  }

  private async fileOf(table: string, snapshot: Snapshot): Promise<OpenFile> {
    await this.refresh();
    const file = this.files.find((f) => f.tables.get(table)?.id === snapshot.id);
    if (!file) throw new LakehouseError("CONFLICT", GONE(table));
    return file;
  }

  async find(table: string, snapshot: Snapshot, query: TableQuery): Promise<Row[]> {
    const file = await this.fileOf(table, snapshot);
    const { sql, params } = duckdbWhere(query);
    const order =
      query.order.length === 0
        ? ""
        : `ORDER BY ${query.order.map((o) => `${ident(o.field)} ${o.desc ? "DESC" : "ASC"}`).join(", ")}`;
    const conn = nextConnection(file);
    const reader = await conn.runAndReadAll(
      `SELECT to_json(t)::VARCHAR FROM ${ident(table)} t ${sql} ${order} LIMIT ${Math.trunc(query.limit)}`,
      params,
    );
    return reader.getRowsJS().map((r) => JSON.parse(r[0] as string) as Row);
  }

  async readAll(table: string, snapshot: Snapshot, maxRows: number): Promise<Row[] | undefined> {
    const file = await this.fileOf(table, snapshot);
    const conn = nextConnection(file);
    const count = await conn.runAndReadAll(`SELECT count(*)::INTEGER FROM ${ident(table)}`);
    if ((count.getRowsJS()[0]![0] as number) > maxRows) return undefined;
    const reader = await conn.runAndReadAll(`SELECT to_json(t)::VARCHAR FROM ${ident(table)} t`);
    return reader.getRowsJS().map((r) => JSON.parse(r[0] as string) as Row);
  }

  async ping(): Promise<void> {
    await this.refresh();
  }

  async close(): Promise<void> {
    for (const f of this.files.splice(0)) closeFile(f);
  }
}

/** The file's connections in turn, so concurrent queries run side by side. */
function nextConnection(f: OpenFile): DuckDBConnection {
  return f.connections[f.next++ % f.connections.length]!;
}

function closeFile(f: OpenFile): void {
  for (const c of f.connections) c.closeSync();
  f.instance.closeSync();
}
