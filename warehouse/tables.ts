/**
 * The gold tables published to the warehouse, with their keys and reader indexes (SPEC section
 * 6), as each model declares them beside its SQL (batch/models/gold/<model>.yml).
 */
import { MODELS } from "../batch/models.ts";
import type { TableSpec } from "./publish.ts";

export const WAREHOUSE_TABLES: Record<string, TableSpec> = Object.fromEntries(
  MODELS.flatMap((m) => (m.warehouse ? [[m.name, m.warehouse]] : [])),
);
