/**
 * Atomic publish of a gold snapshot to MongoDB (SPEC section 6). Each publish writes a new,
 * versioned collection (`<table>__<snapshot>__<run>`), creates its indexes and validator, checks
 * the document count, and only then moves the table's pointer document in
 * `warehouse_current` to it: one single-document write, atomic on MongoDB and on FerretDB, so a
 * reader resolving the pointer sees the old snapshot or the new one, never a mix. The previous
 * version is kept for readers that resolved the pointer just before the move; older ones are
 * dropped. (renameCollection with dropTarget would do the swap on MongoDB, but FerretDB refuses
 * it: docs/decisions.md D3, D20.)
 */
import type { Db, Document, IndexSpecification } from "mongodb";
import { LakehouseError } from "../core/errors.ts";
import type { Logger } from "../core/logger.ts";

export const POINTERS = "warehouse_current";

export interface Pointer {
  _id: string;
  collection: string;
  snapshot_date: string;
  run_id: string;
  documents: number;
  published_at: Date;
}

export interface TableSpec {
  /** Fields that identify a document: a unique index, and required in the validator. */
  key: string[];
  /** Further indexes readers query by. */
  indexes?: IndexSpecification[];
}

const NOT_IMPLEMENTED = 238;
const BATCH = 5000;

/** The collection holding `table`'s current snapshot, or undefined before the first publish. */
export async function currentCollection(db: Db, table: string): Promise<Pointer | undefined> {
  return (await db.collection<Pointer>(POINTERS).findOne({ _id: table })) ?? undefined;
}

export async function publishTable(
  db: Db,
  table: string,
  spec: TableSpec,
  snapshot: { date: string; runId: string },
  documents: readonly Document[],
  logger: Logger,
): Promise<Pointer> {
  const name = `${table}__${snapshot.date}__${snapshot.runId}`;
  await db
    .collection(name)
    .drop()
    .catch(() => false);
  const validator = {
    $jsonSchema: {
      bsonType: "object",
      required: spec.key,
      properties: Object.fromEntries(
        spec.key.map((k) => [k, { bsonType: ["string", "number", "int", "long", "double", "date"] }]),
      ),
    },
  };
  try {
    await db.createCollection(name, { validator, validationAction: "error" });
  } catch (err) {
    if ((err as { code?: number }).code !== NOT_IMPLEMENTED) throw err;
    // FerretDB 1.x: no validators. The same rule is checked below, before the swap.
    await db.createCollection(name);
  }
  const missing = documents.find((d) => spec.key.some((k) => d[k] === null || d[k] === undefined));
  if (missing)
    throw new LakehouseError(
      "DATA_TEST_FAILED",
      `${table}: a document lacks a key field (${spec.key.join(", ")})`,
      {
        context: { table, document: missing },
      },
    );
  const collection = db.collection(name);
  for (let i = 0; i < documents.length; i += BATCH)
    await collection.insertMany(
      documents.slice(i, i + BATCH).map((d) => ({ ...d })),
      { ordered: false },
    );
  await collection.createIndex(Object.fromEntries(spec.key.map((k) => [k, 1])), {
    unique: true,
    name: "key",
  });
  for (const index of spec.indexes ?? []) await collection.createIndex(index);
  const count = await collection.countDocuments();
  if (count !== documents.length) {
    await collection.drop().catch(() => false);
    throw new LakehouseError("INTERNAL", `${table}: wrote ${count} documents, expected ${documents.length}`);
  }

  const previous = await currentCollection(db, table);
  const pointer: Pointer = {
    _id: table,
    collection: name,
    snapshot_date: snapshot.date,
    run_id: snapshot.runId,
    documents: count,
    published_at: new Date(),
  };
  await db.collection<Pointer>(POINTERS).replaceOne({ _id: table }, pointer, { upsert: true });
  logger.info(
    { table, collection: name, documents: count },
    `published ${table} (${count} documents, snapshot ${snapshot.date})`,
  );

  // Keep the new and the previous version; drop the rest.
  const keep = new Set([name, previous?.collection]);
  for (const c of await db.listCollections({}, { nameOnly: true }).toArray())
    if (c.name.startsWith(`${table}__`) && !keep.has(c.name))
      await db
        .collection(c.name)
        .drop()
        .catch(() => false);
  return pointer;
}
