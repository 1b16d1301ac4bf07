import { describe, expect, it } from "vitest";
import { anomalies } from "../operators/anomalies/anomalies.ts";
import { funnel } from "../operators/funnel/funnel.ts";
import { inventory } from "../operators/inventory/inventory.ts";
import { payments } from "../operators/payments/payments.ts";
import { refunds } from "../operators/refunds/refunds.ts";
import { sales } from "../operators/sales/sales.ts";
import { sessions } from "../operators/sessions/sessions.ts";
import { BatchOutput } from "../operators/output.ts";
import { HOUR, MINUTE } from "../operators/time.ts";
import { outputFrom } from "./output-from.ts";

const T = Date.parse("2026-11-01T10:00:00Z");

function sample(): BatchOutput {
  const out = new BatchOutput();
  for (const window of [T - MINUTE, T]) {
    out.of(sales).set(`${window}|Books|UK`, {
      window,
      category: "Books",
      country: "UK",
      revenueCents: 100,
      transactions: 1,
      units: 1,
    });
    out.of(funnel).set(window, { views: 3, cartAdds: 0, purchases: 0 });
    out.of(payments).set(`${window}|paypal`, { window, method: "paypal", transactions: 1, cents: 100 });
    out.of(refunds).set(window, { refunds: 1, cents: 50 });
  }
  out.of(inventory).productHours.set(`${T - HOUR}|p1`, { hour: T - HOUR, product: "p1", units: 2 });
  out.of(inventory).productHours.set(`${T}|p1`, { hour: T, product: "p1", units: 1 });
  out.of(inventory).stock.set("p1", { units: 3, eventTime: T - MINUTE });
  for (const [id, at] of [
    ["before", T - 1],
    ["after", T],
  ] as const)
    out.of(anomalies).set(`${id}|high_value`, {
      transactionId: id,
      type: "high_value",
      userId: "u",
      eventTime: at,
      amountCents: 1,
      score: 1,
      description: "",
    });
  const session = {
    userId: "u",
    pageViews: 1,
    cartAdds: 0,
    cartRemoves: 0,
    cartUpdates: 0,
    purchases: 0,
    purchaseCents: 0,
    abandoned: false,
  };
  out
    .of(sessions)
    .sessions.push(
      { ...session, sessionId: "s1", start: T - HOUR, end: T - 1 },
      { ...session, sessionId: "s2", start: T - HOUR, end: T },
    );
  out.of(sessions).abandonments.push(
    {
      sessionId: "s1",
      userId: "u",
      lastCartActivity: T - HOUR,
      abandonedAt: T - 1,
      items: 1,
      distinctProducts: 1,
      valueCents: 1,
    },
    {
      sessionId: "s3",
      userId: "u",
      lastCartActivity: T - HOUR,
      abandonedAt: T,
      items: 1,
      distinctProducts: 1,
      valueCents: 1,
    },
  );
  out.of(inventory).closedHours.push(T - HOUR, T);
  out.countsOf("transactions").events = 2;
  return out;
}

describe("outputFrom", () => {
  it("keeps every row keyed at or after the point in time, and all stock moves and counts", () => {
    const kept = outputFrom(sample(), T);
    expect([...kept.of(sales).values()].map((s) => s.window)).toEqual([T]);
    expect([...kept.of(funnel).keys()]).toEqual([T]);
    expect([...kept.of(payments).values()].map((p) => p.window)).toEqual([T]);
    expect([...kept.of(refunds).keys()]).toEqual([T]);
    expect([...kept.of(inventory).productHours.values()].map((h) => h.hour)).toEqual([T]);
    expect(kept.of(inventory).stock.get("p1")).toEqual({ units: 3, eventTime: T - MINUTE });
    expect([...kept.of(anomalies).values()].map((a) => a.transactionId)).toEqual(["after"]);
    expect(kept.of(sessions).sessions.map((s) => s.sessionId)).toEqual(["s2"]);
    expect(kept.of(sessions).abandonments.map((a) => a.sessionId)).toEqual(["s3"]);
    expect(kept.of(inventory).closedHours).toEqual([T]);
    expect(kept.countsOf("transactions").events).toBe(2);
  });

  it("leaves the batch it was given unchanged (a retried commit writes it again)", () => {
    const out = sample();
    outputFrom(out, T);
    expect(out.of(sales).size).toBe(2);
    expect(out.of(sessions).sessions).toHaveLength(2);
  });
});
