/**
 * Low-stock alerts (SPEC section 4): a level is crossed by the update that takes a product's
 * stock from above its threshold to at or below it. Stock only falls in the stream, so each
 * product crosses each level once, on whichever worker sold the unit that did it.
 */
export const LOW_STOCK_LEVELS = [
  { level: "low", threshold: 10 },
  { level: "critical", threshold: 5 },
] as const;

export type LowStockLevel = (typeof LOW_STOCK_LEVELS)[number]["level"];

/** One product's stock move: what is left after it and the units it took. */
export interface StockMove {
  productId: string;
  after: number;
  units: number;
  eventTime: number;
}

export interface LowStockCrossing {
  productId: string;
  level: LowStockLevel;
  threshold: number;
  quantity: number;
  eventTime: number;
}

/** The levels each move crossed, in the order of the moves and then of the levels. */
export function lowStockCrossings(moves: Iterable<StockMove>): LowStockCrossing[] {
  const crossed: LowStockCrossing[] = [];
  for (const m of moves)
    for (const { level, threshold } of LOW_STOCK_LEVELS)
      if (m.after + m.units > threshold && m.after <= threshold)
        crossed.push({ productId: m.productId, level, threshold, quantity: m.after, eventTime: m.eventTime });
  return crossed;
}
