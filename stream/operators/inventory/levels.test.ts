import { describe, expect, it } from "vitest";
import { lowStockCrossings } from "./levels.ts";

const move = (after: number, units: number) => ({ productId: "p", after, units, eventTime: 7 });

describe("lowStockCrossings", () => {
  it("alerts once per level, on the move that takes stock from above it to at or below it", () => {
    expect(lowStockCrossings([move(11, 3)])).toEqual([]);
    expect(lowStockCrossings([move(10, 1)]).map((c) => c.level)).toEqual(["low"]);
    expect(lowStockCrossings([move(9, 1)])).toEqual([]);
    expect(lowStockCrossings([move(5, 1)]).map((c) => c.level)).toEqual(["critical"]);
    expect(lowStockCrossings([move(4, 10)])).toEqual([
      { productId: "p", level: "low", threshold: 10, quantity: 4, eventTime: 7 },
      { productId: "p", level: "critical", threshold: 5, quantity: 4, eventTime: 7 },
    ]);
  });

  it("counts stock that went below zero (sold out beyond the count) as crossing both", () => {
    expect(lowStockCrossings([move(-2, 20)]).map((c) => c.level)).toEqual(["low", "critical"]);
    expect(lowStockCrossings([move(-3, 1)])).toEqual([]);
  });
});
