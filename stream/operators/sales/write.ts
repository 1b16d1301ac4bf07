/** How the sales cells reach Postgres: the cells, and their rollups (sales_minute_rollups). */
import type { SqlClient } from "../../../core/db/sql.ts";
import { columnsOf, sortedValues, sqlFile } from "../operator.ts";

export interface SalesDelta {
  window: number;
  category: string;
  country: string;
  revenueCents: number;
  transactions: number;
  units: number;
}

/** `<window>|<category>|<country>` -> the cell's delta. */
export type SalesOutput = Map<string, SalesDelta>;

/**
 * The per-minute sales cells rolled up over category, over country and over both: the rows of
 * `sales_minute_rollups`, with "*" for "every". Additive like the cells, so each worker adds
 * its batch's rollup and the stored sums stay equal to the sums of `sales_metrics`.
 */
export const EVERY = "*";

/** One row per (minute, category, "*"), (minute, "*", country) and (minute, "*", "*"), sorted by key. */
export function rollUpSales(cells: Iterable<SalesDelta>): SalesDelta[] {
  const out = new Map<string, SalesDelta>();
  const add = (cell: SalesDelta, category: string, country: string) => {
    const key = `${category}\u0000${country}\u0000${cell.window}`;
    const row = out.get(key);
    if (row) {
      row.revenueCents += cell.revenueCents;
      row.transactions += cell.transactions;
      row.units += cell.units;
    } else
      out.set(key, {
        window: cell.window,
        category,
        country,
        revenueCents: cell.revenueCents,
        transactions: cell.transactions,
        units: cell.units,
      });
  };
  for (const cell of cells) {
    add(cell, cell.category, EVERY);
    add(cell, EVERY, cell.country);
    add(cell, EVERY, EVERY);
  }
  // The primary key's order, so concurrent workers lock rows in one order.
  return [...out.values()].sort(
    (a, b) => cmp(a.category, b.category) || cmp(a.country, b.country) || a.window - b.window,
  );
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

const CELLS = sqlFile(new URL("./sales_metrics.sql", import.meta.url));
const ROLLUPS = sqlFile(new URL("./sales_minute_rollups.sql", import.meta.url));

/** Adds the cells and their rollups (one statement each; arrays expanded with unnest). */
export async function writeSales(tx: SqlClient, out: SalesOutput): Promise<void> {
  if (out.size === 0) return;
  const rows = sortedValues(out);
  await tx.query(
    CELLS,
    columnsOf(rows, ["window", "category", "country", "revenueCents", "transactions", "units"]),
  );
  const rollups = rollUpSales(rows);
  await tx.query(
    ROLLUPS,
    columnsOf(rollups, ["category", "country", "window", "revenueCents", "transactions", "units"]),
  );
}
