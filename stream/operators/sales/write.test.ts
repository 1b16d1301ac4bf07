import { describe, expect, it } from "vitest";
import type { SalesDelta } from "./write.ts";
import { EVERY, rollUpSales } from "./write.ts";

const cell = (
  window: number,
  category: string,
  country: string,
  cents: number,
  tx = 1,
  units = 1,
): SalesDelta => ({
  window,
  category,
  country,
  revenueCents: cents,
  transactions: tx,
  units,
});

describe("rollUpSales", () => {
  const cells = [
    cell(0, "Books", "US", 1000, 2, 3),
    cell(0, "Books", "UK", 500),
    cell(0, "Toys", "US", 250, 1, 4),
    cell(60_000, "Books", "US", 100),
  ];
  const rows = rollUpSales(cells);
  const row = (w: number, c: string, k: string) =>
    rows.find((r) => r.window === w && r.category === c && r.country === k);

  it("sums each minute over category, over country and over both", () => {
    expect(row(0, EVERY, EVERY)).toMatchObject({ revenueCents: 1750, transactions: 4, units: 8 });
    expect(row(0, "Books", EVERY)).toMatchObject({ revenueCents: 1500, transactions: 3, units: 4 });
    expect(row(0, EVERY, "US")).toMatchObject({ revenueCents: 1250, transactions: 3, units: 7 });
    expect(row(60_000, EVERY, EVERY)).toMatchObject({ revenueCents: 100 });
    // 2 categories + 2 countries + 1 total in minute 0; 1 + 1 + 1 in minute 1.
    expect(rows).toHaveLength(8);
  });

  it("never writes a full cell (those are sales_metrics) and never mutates the input", () => {
    expect(rows.every((r) => r.category === EVERY || r.country === EVERY)).toBe(true);
    expect(cells[0]).toEqual(cell(0, "Books", "US", 1000, 2, 3));
  });

  it("sorts by the table's key, so concurrent writers lock in one order", () => {
    const keys = rows.map((r) => [r.category, r.country, r.window]);
    const sorted = [...keys].sort((a, b) =>
      String(a[0]) < String(b[0])
        ? -1
        : String(a[0]) > String(b[0])
          ? 1
          : String(a[1]) < String(b[1])
            ? -1
            : String(a[1]) > String(b[1])
              ? 1
              : Number(a[2]) - Number(b[2]),
    );
    expect(keys).toEqual(sorted);
  });
});
