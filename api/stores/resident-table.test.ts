import { describe, expect, it } from "vitest";
import { ResidentTable } from "./resident-table.ts";
import type { Row } from "./warehouse.ts";

const rows: Row[] = [
  { id: "c", date: "2026-11-02", revenue: 5, views: 3 },
  { id: "a", date: "2026-11-01", revenue: 5, views: null },
  { id: "d", date: "2026-11-03", revenue: 9, views: 0 },
  { id: "b", date: "2026-11-01", revenue: null, views: 2 },
];
const ids = (r: Row[]) => r.map((x) => x.id);

describe("a resident table", () => {
  const t = new ResidentTable(rows);

  it("orders by several fields either way, nulls last, and steps past a cursor's key", () => {
    const order = [{ field: "revenue", desc: true }, { field: "id" }];
    expect(ids(t.find({ where: [], order, limit: 10 }))).toEqual(["d", "a", "c", "b"]);
    expect(ids(t.find({ where: [], order, after: [5, "a"], limit: 10 }))).toEqual(["c", "b"]);
    expect(ids(t.find({ where: [], order, after: [5, "a"], limit: 1 }))).toEqual(["c"]);
    expect(ids(t.find({ where: [], order: [{ field: "revenue" }, { field: "id" }], limit: 10 }))).toEqual([
      "a",
      "c",
      "d",
      "b",
    ]);
  });

  it("filters as the stores do: equality, lists, ranges of the same type only", () => {
    const order = [{ field: "id" }];
    expect(
      ids(t.find({ where: [{ field: "date", op: "eq", value: "2026-11-01" }], order, limit: 10 })),
    ).toEqual(["a", "b"]);
    expect(
      ids(t.find({ where: [{ field: "id", op: "in", value: ["d", "b", "x"] }], order, limit: 10 })),
    ).toEqual(["b", "d"]);
    expect(
      ids(
        t.find({
          where: [
            { field: "date", op: "gte", value: "2026-11-02" },
            { field: "date", op: "lte", value: "2026-11-03" },
          ],
          order,
          limit: 10,
        }),
      ),
    ).toEqual(["c", "d"]);
    // A null, and a value of another type, never match a range.
    expect(ids(t.find({ where: [{ field: "views", op: "gte", value: 1 }], order, limit: 10 }))).toEqual([
      "b",
      "c",
    ]);
    expect(ids(t.find({ where: [{ field: "views", op: "gte", value: "0" }], order, limit: 10 }))).toEqual([]);
    expect(t.find({ where: [{ field: "id", op: "eq", value: "zz" }], order: [], limit: 1 })).toEqual([]);
  });

  it("walks a large set page by page, each row once", () => {
    const many = new ResidentTable(
      Array.from({ length: 5000 }, (_, i) => ({ id: `k${String(i).padStart(5, "0")}`, g: i % 7 })),
    );
    const seen: string[] = [];
    const order = [{ field: "g" }, { field: "id" }];
    let after: [number, string] | undefined;
    for (;;) {
      const page = many.find({
        where: [{ field: "g", op: "lte", value: 3 }],
        order,
        limit: 333,
        ...(after ? { after } : {}),
      });
      if (page.length === 0) break;
      seen.push(...ids(page).map(String));
      const last = page.at(-1)!;
      after = [last.g as number, last.id as string];
    }
    expect(seen.length).toBe(Array.from({ length: 5000 }, (_, i) => i % 7).filter((g) => g <= 3).length);
    expect(new Set(seen).size).toBe(seen.length);
  });
});
