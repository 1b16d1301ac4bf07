import { describe, expect, it } from "vitest";
import type { Refund } from "../../../core/events/schemas.ts";
import { Keyed } from "../state.ts";
import { HOUR } from "../time.ts";
import { refundReasons } from "./refund-reasons.ts";

const T0 = Date.parse("2026-11-10T10:00:00.000Z");
const refund = (reason: Refund["reason"], amount: number) => ({ reason, amount }) as Refund;

function run(events: [Refund, number][]) {
  const out = refundReasons.output();
  const c = {
    out,
    state: new Keyed(),
    products: { get: () => undefined },
    latenessMs: 0,
    sessions: { gapMs: 0, abandonAfterMs: 0 },
  };
  for (const [ev, time] of events) refundReasons.on.refunds!(c, ev, time);
  return out;
}

describe("refund reasons per hour", () => {
  it("sums refunds and cents per event-time hour and reason", () => {
    const out = run([
      [refund("damaged", 10.1), T0 + 5],
      [refund("damaged", 0.2), T0 + HOUR - 1],
      [refund("late", 3), T0 + 10],
      [refund("damaged", 1), T0 + HOUR],
    ]);
    expect([...out.values()]).toEqual([
      { hour: T0, reason: "damaged", refunds: 2, cents: 1030 },
      { hour: T0, reason: "late", refunds: 1, cents: 300 },
      { hour: T0 + HOUR, reason: "damaged", refunds: 1, cents: 100 },
    ]);
  });

  it("merges two shards' deltas and keeps only hours from a rebuild's point on", () => {
    const a = run([[refund("other", 1), T0]]);
    const b = run([
      [refund("other", 2), T0 + 1],
      [refund("other", 4), T0 + HOUR],
    ]);
    refundReasons.merge(a, b);
    expect([...a.values()].map((r) => [r.hour - T0, r.refunds, r.cents])).toEqual([
      [0, 2, 300],
      [HOUR, 1, 400],
    ]);
    expect([...refundReasons.since(a, T0 + HOUR).keys()]).toEqual([`${T0 + HOUR}|other`]);
    expect(b.get(`${T0}|other`)?.cents).toBe(200);
  });
});
