import { describe, expect, it } from "vitest";
import { anomalies } from "./anomalies/anomalies.ts";
import { funnel } from "./funnel/funnel.ts";
import { inventory } from "./inventory/inventory.ts";
import { BatchOutput, mergeOutputs } from "./output.ts";
import { sales } from "./sales/sales.ts";
import { sessions } from "./sessions/sessions.ts";

function shardOutput(units: number, eventTime: number, session: string): BatchOutput {
  const out = new BatchOutput();
  out.of(sales).set("0|Books|USA", {
    window: 0,
    category: "Books",
    country: "USA",
    revenueCents: 100 * units,
    transactions: 1,
    units,
  });
  out.of(funnel).set(0, { views: units, cartAdds: 0, purchases: 0 });
  out.of(inventory).stock.set("p1", { units, eventTime });
  out.countsOf("transactions").events = 1;
  out.of(sessions).sessions.push({
    sessionId: session,
    userId: "u",
    start: 0,
    end: 1,
    pageViews: 1,
    cartAdds: 0,
    cartRemoves: 0,
    cartUpdates: 0,
    purchases: 0,
    purchaseCents: 0,
    abandoned: false,
  });
  out.of(inventory).closedHours.push(0);
  return out;
}

describe("mergeOutputs", () => {
  it("sums additive deltas per key, keeps every keyed row, and leaves its inputs alone", () => {
    const a = shardOutput(2, 1000, "s1");
    const b = shardOutput(3, 500, "s2");
    const merged = mergeOutputs([a, b]);
    expect(merged.of(sales).get("0|Books|USA")).toMatchObject({
      revenueCents: 500,
      transactions: 2,
      units: 5,
    });
    expect(merged.of(funnel).get(0)).toEqual({ views: 5, cartAdds: 0, purchases: 0 });
    expect(merged.of(inventory).stock.get("p1")).toEqual({ units: 5, eventTime: 1000 });
    expect(merged.counts.get("transactions")?.events).toBe(2);
    expect(merged.of(sessions).sessions.map((s) => s.sessionId)).toEqual(["s1", "s2"]);
    expect(merged.of(inventory).closedHours).toEqual([0]);
    expect(a.of(sales).get("0|Books|USA")?.units).toBe(2);
    expect(a.of(inventory).stock.get("p1")).toEqual({ units: 2, eventTime: 1000 });
  });

  it("keeps the higher score of an anomaly flagged twice", () => {
    const row = {
      transactionId: "t",
      type: "high_value",
      userId: "u",
      eventTime: 0,
      amountCents: 1,
      description: "",
    } as const;
    const a = new BatchOutput();
    a.of(anomalies).set("t|high_value", { ...row, score: 0.5 });
    const b = new BatchOutput();
    b.of(anomalies).set("t|high_value", { ...row, score: 0.9 });
    expect([...mergeOutputs([a, b]).of(anomalies).values()].map((r) => r.score)).toEqual([0.9]);
  });
});
