import { describe, expect, it } from "vitest";
import { BatchOutput, HOUR, MINUTE } from "../operators/output.ts";
import { outputFrom } from "./output-from.ts";

const T = Date.parse("2026-11-01T10:00:00Z");

function sample(): BatchOutput {
  const out = new BatchOutput();
  for (const window of [T - MINUTE, T]) {
    out.sales.set(`${window}|Books|UK`, {
      window,
      category: "Books",
      country: "UK",
      revenueCents: 100,
      transactions: 1,
      units: 1,
    });
    out.funnelAt(window).views = 3;
    out.payments.set(`${window}|paypal`, { window, method: "paypal", transactions: 1, cents: 100 });
    out.refunds.set(window, { refunds: 1, cents: 50 });
  }
  out.productHours.set(`${T - HOUR}|p1`, { hour: T - HOUR, product: "p1", units: 2 });
  out.productHours.set(`${T}|p1`, { hour: T, product: "p1", units: 1 });
  out.stock.set("p1", { units: 3, eventTime: T - MINUTE });
  for (const [id, at] of [
    ["before", T - 1],
    ["after", T],
  ] as const)
    out.flag({
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
  out.sessions.push(
    { ...session, sessionId: "s1", start: T - HOUR, end: T - 1 },
    { ...session, sessionId: "s2", start: T - HOUR, end: T },
  );
  out.abandonments.push(
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
  out.closedHours.push(T - HOUR, T);
  out.countsOf("transactions").events = 2;
  return out;
}

describe("outputFrom", () => {
  it("keeps every row keyed at or after the point in time, and all stock moves and counts", () => {
    const kept = outputFrom(sample(), T);
    expect([...kept.sales.values()].map((s) => s.window)).toEqual([T]);
    expect([...kept.funnel.keys()]).toEqual([T]);
    expect([...kept.payments.values()].map((p) => p.window)).toEqual([T]);
    expect([...kept.refunds.keys()]).toEqual([T]);
    expect([...kept.productHours.values()].map((h) => h.hour)).toEqual([T]);
    expect(kept.stock.get("p1")).toEqual({ units: 3, eventTime: T - MINUTE });
    expect([...kept.anomalies.values()].map((a) => a.transactionId)).toEqual(["after"]);
    expect(kept.sessions.map((s) => s.sessionId)).toEqual(["s2"]);
    expect(kept.abandonments.map((a) => a.sessionId)).toEqual(["s3"]);
    expect(kept.closedHours).toEqual([T]);
    expect(kept.countsOf("transactions").events).toBe(2);
  });

  it("leaves the batch it was given unchanged (a retried commit writes it again)", () => {
    const out = sample();
    outputFrom(out, T);
    expect(out.sales.size).toBe(2);
    expect(out.sessions).toHaveLength(2);
  });
});
