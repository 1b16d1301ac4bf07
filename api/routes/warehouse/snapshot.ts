/**
 * How every warehouse route reads: resolve the table's snapshot (the current one, or the one a
 * cursor pinned), answer 304 when the client already has it (snapshots never change, so the
 * snapshot id is the ETag), then read a keyset page or one row of that snapshot.
 */
import type { FastifyReply, FastifyRequest } from "fastify";
import { LakehouseError } from "../../../core/errors.ts";
import type { KeyValue } from "../../cursor.ts";
import { badField } from "../../problem.ts";
import type { Condition, Row, Snapshot, TableQuery } from "../../stores/warehouse.ts";
import type { ApiContext } from "../context.ts";
import { page, pageRequest } from "../page.ts";

const token = (s: Snapshot) => `${s.date}/${s.id}`;
function fromToken(raw: string): Snapshot {
  const m = /^(\d{4}-\d{2}-\d{2})\/([\w-]{1,80})$/.exec(raw);
  if (!m) throw badField("cursor", "is not a cursor this query returned");
  return { date: m[1]!, id: m[2]! };
}

async function resolve(ctx: ApiContext, table: string, pinned: string | undefined): Promise<Snapshot> {
  if (pinned !== undefined) return fromToken(pinned);
  const current = await ctx.warehouse.current(table);
  if (!current)
    throw new LakehouseError(
      "NOT_FOUND",
      `${table} has no snapshot yet: the nightly batch has not published it`,
    );
  return current;
}

/** Sets ETag and caching headers; true when the client's copy is current (304 sent). */
function notModified(req: FastifyRequest, reply: FastifyReply, table: string, s: Snapshot): boolean {
  const etag = `W/"${table}.${s.id}"`;
  void reply.header("etag", etag).header("cache-control", "private, no-cache");
  const given = req.headers["if-none-match"];
  if (given !== undefined && given.split(",").some((t) => t.trim() === etag || t.trim() === "*")) {
    void reply.code(304).send();
    return true;
  }
  return false;
}

export interface ListSpec<T> {
  route: string;
  table: string;
  where: Condition[];
  order: TableQuery["order"];
  /** Cursor value types of the order fields ("string" | "number"). */
  keyTypes: readonly string[];
  map: (row: Row) => T;
}

export async function snapshotPage<T>(
  ctx: ApiContext,
  req: FastifyRequest<{ Querystring: { limit?: number; cursor?: string } & Record<string, unknown> }>,
  reply: FastifyReply,
  spec: ListSpec<T>,
) {
  const request = pageRequest(spec.route, req.query, spec.keyTypes);
  const snapshot = await resolve(ctx, spec.table, request.cursor?.snapshot);
  if (notModified(req, reply, spec.table, snapshot)) return reply;
  const rows = await ctx.warehouse.find(spec.table, snapshot, {
    where: spec.where,
    order: spec.order,
    ...(request.cursor ? { after: request.cursor.after } : {}),
    limit: request.limit + 1,
  });
  const keyOf = (r: Row) => spec.order.map((o) => r[o.field] as KeyValue);
  return {
    snapshot_date: snapshot.date,
    snapshot_id: snapshot.id,
    ...page(rows, request, keyOf, spec.map, token(snapshot)),
  };
}

export async function snapshotOne<T>(
  ctx: ApiContext,
  req: FastifyRequest,
  reply: FastifyReply,
  spec: { table: string; where: Condition[]; map: (row: Row) => T; missing: string },
) {
  const snapshot = await resolve(ctx, spec.table, undefined);
  if (notModified(req, reply, spec.table, snapshot)) return reply;
  const [row] = await ctx.warehouse.find(spec.table, snapshot, { where: spec.where, order: [], limit: 1 });
  if (!row) throw new LakehouseError("NOT_FOUND", spec.missing);
  return { snapshot_date: snapshot.date, snapshot_id: snapshot.id, data: spec.map(row) };
}
