import { describe, expect, it } from "vitest";
import { rebuildStart, refusal, type RebuildRequest } from "./rebuild.ts";

const base: RebuildRequest = {
  group: "g",
  fromMs: Date.parse("2026-11-01T12:34:56Z"),
  retained: new Map(
    ["transactions", "product_views", "cart_events", "refunds"].map((t) => [
      t,
      [{ partition: 0, low: 0, high: 10 }],
    ]),
  ),
  members: [],
  allowPartial: false,
};

describe("stream rebuild", () => {
  it("starts at the hour that holds the given time", () => {
    expect(new Date(rebuildStart(base.fromMs)).toISOString()).toBe("2026-11-01T12:00:00.000Z");
  });

  it("refuses while workers run, and when retention took the oldest records unless allowed", () => {
    expect(refusal(base)).toBeUndefined();
    expect(refusal({ ...base, members: ["w1", "w1"] })).toBe(
      "2 worker(s) of group g are running (w1): stop them first",
    );
    const lost = {
      ...base,
      retained: new Map([...base.retained, ["transactions", [{ partition: 3, low: 500, high: 900 }]]]),
    };
    expect(refusal(lost)).toMatch(
      /^the topics no longer hold their oldest records \(transactions\/3 from offset 500\).*--allow-partial/,
    );
    expect(refusal({ ...lost, allowPartial: true })).toBeUndefined();
    expect(refusal({ ...lost, allowPartial: true, members: ["w"] })).toMatch(/are running/);
  });

  it("refuses when the topics are not there (a wrong prefix), even with --allow-partial", () => {
    const none = { ...base, retained: new Map(), allowPartial: true };
    expect(refusal(none)).toBe(
      "the topics transactions, product_views, cart_events, refunds do not exist (check --topic-prefix): there is nothing to replay",
    );
  });
});
