import { describe, expect, it } from "vitest";
import { duckdbWhere } from "./duckdb-warehouse.ts";
import { keysetFilter } from "./mongo-warehouse.ts";

describe("keyset conditions", () => {
  const order = [{ field: "revenue", desc: true }, { field: "product_id" }];

  it("steps past the last row in a mixed-direction order, as SQL parameters", () => {
    const w = duckdbWhere({
      where: [{ field: "category", op: "eq", value: "Laptops" }],
      order,
      after: [10.5, "p1"],
      limit: 5,
    });
    expect(w.sql).toBe("WHERE category = $1 AND ((revenue < $2) OR (revenue = $3 AND product_id > $4))");
    expect(w.params).toEqual(["Laptops", 10.5, 10.5, "p1"]);
  });

  it("says the same to MongoDB", () => {
    expect(keysetFilter(order, [10.5, "p1"])).toEqual({
      $or: [{ revenue: { $lt: 10.5 } }, { revenue: 10.5, product_id: { $gt: "p1" } }],
    });
  });

  it("refuses a field that is not an identifier", () => {
    expect(() =>
      duckdbWhere({ where: [{ field: "x; DROP", op: "eq", value: 1 }], order: [], limit: 1 }),
    ).toThrow();
  });
});
