import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { RULES } from "../../../core/anomaly-rules.ts";
import type { Transaction } from "../../../core/events/schemas.ts";
import { Keyed } from "../state.ts";
import { anomalies, detectAnomalies, type UserHistory } from "./anomalies.ts";

const T0 = Date.parse("2026-11-10T10:00:00.000Z");
const user = randomUUID();
const tx = (amount: number, quantity = 1): Transaction => ({
  transaction_id: randomUUID(),
  user_id: user,
  session_id: null,
  timestamp: new Date(T0).toISOString(),
  products: [{ product_id: randomUUID(), quantity, price: amount / quantity }],
  total_amount: amount,
  payment_method: "paypal",
  country: "UK",
});

/** Runs transactions (amount, seconds after T0) through the detector; returns type -> flagged indexes. */
function detect(list: [number, number, number?][]) {
  const users = new Keyed<UserHistory>();
  const out = anomalies.output();
  const txs = list.map(([amount, , quantity]) => tx(amount, quantity));
  list.forEach(([, s], i) => detectAnomalies(out, users, txs[i]!, T0 + s * 1000, 120_000));
  const byType = new Map<string, number[]>();
  for (const row of out.values()) {
    const i = txs.findIndex((t) => t.transaction_id === row.transactionId);
    byType.set(
      row.type,
      [...(byType.get(row.type) ?? []), i].sort((a, b) => a - b),
    );
  }
  return { byType, out };
}

describe("detectAnomalies", () => {
  it("flags single-transaction rules: high value, unusual quantity", () => {
    const { byType } = detect([
      [RULES.highValue + 1, 0],
      [RULES.highValue, 600],
      [20, 1200, RULES.unusualQuantity + 1],
      [20, 1800, RULES.unusualQuantity],
    ]);
    expect(Object.fromEntries(byType)).toEqual({ high_value: [0], unusual_quantity: [2] });
  });

  it("flags every member of a run of 5 within 60 s, and not 4, nor 5 spread over 60 s", () => {
    expect(
      detect([
        [10, 0],
        [10, 10],
        [10, 20],
        [10, 30],
      ]).byType.size,
    ).toBe(0);
    expect(
      detect([
        [10, 0],
        [10, 15],
        [10, 30],
        [10, 45],
        [10, 60],
      ]).byType.size,
    ).toBe(0);
    const { byType, out } = detect([
      [10, 0],
      [10, 10],
      [10, 20],
      [10, 30],
      [10, 40],
      [10, 50],
    ]);
    expect(byType.get("rapid_transactions")).toEqual([0, 1, 2, 3, 4, 5]);
    // A run that grows re-flags its members with the higher score.
    expect(new Set([...out.values()].map((r) => r.description))).toEqual(
      new Set(["6 transactions within 60 s"]),
    );
  });

  it("flags card testing (tiny payments within 5 minutes) and velocity (large sum within 5 minutes)", () => {
    const tiny = detect([
      [1, 0],
      [2, 20],
      [3, 40],
      [1, 70],
      [4, 100],
      [50, 130],
    ]).byType;
    expect(tiny.get("card_testing")).toEqual([0, 1, 2, 3, 4]);
    const vel = detect([
      [4000, 0],
      [4000, 100],
      [4000, 200],
      [4000, 600],
    ]).byType;
    expect(vel.get("velocity_amount")).toEqual([0, 1, 2]);
  });

  it("flags an amount far above the user's own history, only with enough history", () => {
    const history: [number, number][] = [20, 22, 18, 21, 19].map((a, i) => [a, i * 3600]);
    expect(detect([...history.slice(0, 4), [500, 90_000]]).byType.size).toBe(0);
    expect(detect([...history, [500, 90_000]]).byType.get("statistical_outlier")).toEqual([5]);
    expect(detect([...history, [150, 90_000]]).byType.size).toBe(0); // under 10x the mean
  });
});
