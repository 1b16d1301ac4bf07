/** What every route module receives: the app (typed by its TypeBox schemas) and the stores. */
import { readFileSync } from "node:fs";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type {
  FastifyBaseLogger,
  FastifyInstance,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from "fastify";
import type { RealtimeDb } from "../stores/realtime.ts";
import type { WarehouseStore } from "../stores/warehouse.ts";

export type Api = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

export interface ApiContext {
  realtime: RealtimeDb;
  warehouse: WarehouseStore;
  /** The widest time range a real-time route accepts. */
  maxRangeMs: number;
  now: () => number;
}

/** A query of api/sql/, read once when its route module loads. */
export const sqlFile = (name: string): string =>
  readFileSync(new URL(`../sql/${name}.sql`, import.meta.url), "utf8");
