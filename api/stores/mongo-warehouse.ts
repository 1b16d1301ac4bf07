/**
 * The warehouse on MongoDB (or FerretDB). A table's current snapshot is its pointer document in
 * `warehouse_current`; pointers are cached for a second (a publish shows within one), and a
 * cursor reads the collection it started on, which the publisher keeps for one more publish.
 */
import { MongoClient, type Db, type Document, type Filter, type Sort } from "mongodb";
import { isRetriable, LakehouseError } from "../../core/errors.ts";
import { POINTERS, type Pointer } from "../../warehouse/publish.ts";
import { mongoRunHistory, type RunHistory } from "../../warehouse/runs.ts";
import type { KeyValue } from "../cursor.ts";
import {
  GONE,
  type Condition,
  type Row,
  type Snapshot,
  type TableQuery,
  type WarehouseStore,
} from "./warehouse.ts";

const POINTER_TTL_MS = 1000;

function unavailable(err: unknown): unknown {
  return isRetriable(err) || (err as Error).name?.startsWith("Mongo")
    ? new LakehouseError("SERVICE_UNAVAILABLE", "mongodb is unavailable", { cause: err })
    : err;
}

function condition(c: Condition): Filter<Document> {
  switch (c.op) {
    case "eq":
      return { [c.field]: c.value };
    case "gte":
      return { [c.field]: { $gte: c.value } };
    case "lte":
      return { [c.field]: { $lte: c.value } };
    case "in":
      return { [c.field]: { $in: c.value } };
  }
}

/** The collection that holds one published snapshot of a table. */
const collectionOf = (table: string, snapshot: Snapshot) => `${table}__${snapshot.date}__${snapshot.id}`;

/** `(a, b, c) > (x, y, z)` in the query's order, as an $or of prefixes. */
export function keysetFilter(order: TableQuery["order"], after: readonly KeyValue[]): Filter<Document> {
  const branches = order.map((o, i) => {
    const branch: Document = {};
    for (let j = 0; j < i; j++) branch[order[j]!.field] = after[j];
    branch[o.field] = { [o.desc ? "$lt" : "$gt"]: after[i] };
    return branch;
  });
  return { $or: branches };
}

export class MongoWarehouse implements WarehouseStore {
  readonly kind = "mongodb";
  readonly runs: RunHistory;
  private readonly pointers = new Map<string, { at: number; pointer: Pointer | undefined }>();

  private constructor(
    private readonly client: MongoClient,
    private readonly db: Db,
  ) {
    this.runs = mongoRunHistory(db);
  }

  /** Connects lazily: the API starts (and answers 503) while MongoDB is away. */
  static open(url: string): MongoWarehouse {
    const client = new MongoClient(url, { serverSelectionTimeoutMS: 2000, connectTimeoutMS: 2000 });
    return new MongoWarehouse(client, client.db());
  }

  private async pointer(table: string): Promise<Pointer | undefined> {
    const cached = this.pointers.get(table);
    if (cached && Date.now() - cached.at < POINTER_TTL_MS) return cached.pointer;
    try {
      const pointer = (await this.db.collection<Pointer>(POINTERS).findOne({ _id: table })) ?? undefined;
      this.pointers.set(table, { at: Date.now(), pointer });
      return pointer;
    } catch (err) {
      throw unavailable(err);
    }
  }

  async current(table: string): Promise<Snapshot | undefined> {
    const p = await this.pointer(table);
    return p ? { id: p.run_id, date: p.snapshot_date } : undefined;
  }

  async find(table: string, snapshot: Snapshot, query: TableQuery): Promise<Row[]> {
    const name = collectionOf(table, snapshot);
    const pinned = (await this.pointer(table))?.run_id !== snapshot.id;
    const filters: Filter<Document>[] = query.where.map(condition);
    if (query.after) filters.push(keysetFilter(query.order, query.after));
    const sort: Sort = Object.fromEntries(query.order.map((o) => [o.field, o.desc ? -1 : 1]));
    try {
      if (pinned && !(await this.exists(name))) throw new LakehouseError("CONFLICT", GONE(table));
      const rows = await this.db
        .collection(name)
        .find(filters.length === 0 ? {} : { $and: filters }, {
          projection: { _id: 0 },
          sort,
          limit: query.limit,
        })
        .toArray();
      // Dropped between the check and the read: an empty page would end the walk silently.
      if (pinned && rows.length === 0 && !(await this.exists(name)))
        throw new LakehouseError("CONFLICT", GONE(table));
      return rows;
    } catch (err) {
      throw err instanceof LakehouseError ? err : unavailable(err);
    }
  }

  async readAll(table: string, snapshot: Snapshot, maxRows: number): Promise<Row[] | undefined> {
    const name = collectionOf(table, snapshot);
    try {
      if (!(await this.exists(name))) throw new LakehouseError("CONFLICT", GONE(table));
      const collection = this.db.collection(name);
      if ((await collection.estimatedDocumentCount()) > maxRows) return undefined;
      return await collection.find({}, { projection: { _id: 0 }, batchSize: 10_000 }).toArray();
    } catch (err) {
      throw err instanceof LakehouseError ? err : unavailable(err);
    }
  }

  private async exists(name: string): Promise<boolean> {
    return (await this.db.listCollections({ name }, { nameOnly: true }).toArray()).length > 0;
  }

  async ping(): Promise<void> {
    try {
      await this.db.command({ ping: 1 });
    } catch (err) {
      throw unavailable(err);
    }
  }

  close(): Promise<void> {
    return this.client.close();
  }
}
