import type { SqlClient } from "../../../core/db/sql.ts";
import { columnsOf, sortedValues, sqlFile } from "../operator.ts";
import { lowStockCrossings, type StockMove } from "./levels.ts";

export interface InventoryOutput {
  /** `<hour>|<product>` -> units sold in that event-time hour. */
  productHours: Map<string, { hour: number; product: string; units: number }>;
  /** Product -> units sold in this batch, and the latest event time that sold it. */
  stock: Map<string, { units: number; eventTime: number }>;
  /** Hours whose top-10 velocity ranking is (re)computed now. */
  closedHours: number[];
}

const UNITS = sqlFile(new URL("./product_hour_units.sql", import.meta.url));
const TAKE_STOCK = sqlFile(new URL("./take_stock.sql", import.meta.url));
const ALERTS = sqlFile(new URL("./low_stock_alerts.sql", import.meta.url));
const RANK = sqlFile(new URL("./inventory_velocity.sql", import.meta.url));
const ts = "to_timestamp($1::bigint::double precision / 1000)";

export async function writeInventory(tx: SqlClient, out: InventoryOutput): Promise<void> {
  if (out.productHours.size > 0) {
    const rows = sortedValues(out.productHours);
    await tx.query(UNITS, columnsOf(rows, ["hour", "product", "units"]));
  }
  if (out.stock.size > 0) {
    const ids = [...out.stock.keys()].sort();
    const s = ids.map((id) => out.stock.get(id)!);
    const moved = await tx.query<{ product_id: string; after: number; units: number; t: number }>(
      TAKE_STOCK,
      [ids, s.map((x) => x.units), s.map((x) => x.eventTime)],
    );
    const moves: StockMove[] = moved.rows.map((r) => ({
      productId: r.product_id,
      after: Number(r.after),
      units: Number(r.units),
      eventTime: Number(r.t),
    }));
    const crossed = lowStockCrossings(moves);
    if (crossed.length > 0)
      await tx.query(
        ALERTS,
        columnsOf(crossed, ["productId", "level", "threshold", "quantity", "eventTime"]),
      );
  }
  for (const hour of [...new Set(out.closedHours)].sort((a, b) => a - b)) {
    // The lock keeps two re-rankings of one hour (two workers closing it) from interleaving.
    await tx.query("SELECT pg_advisory_xact_lock(7411906, ($1::bigint / 3600000)::int)", [hour]);
    await tx.query(`DELETE FROM inventory_velocity WHERE hour_start = ${ts}`, [hour]);
    await tx.query(RANK, [hour]);
  }
}
