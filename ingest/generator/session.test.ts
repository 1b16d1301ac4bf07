import { describe, expect, it } from "vitest";
import { Catalog } from "../reference/catalog.ts";
import { RULES } from "./anomalies.ts";
import { Random } from "./random.ts";
import { buildSession, EVENTS_PER_SESSION } from "./session.ts";

describe("buildSession", () => {
  const catalog = new Catalog(9, 1_000_000, 250_000, 0);
  const rng = new Random(9, 5);
  const sessions = Array.from({ length: 100_000 }, () =>
    buildSession(catalog, rng, catalog.profile(rng.int(0, 999_999)), 0),
  );

  it("averages EVENTS_PER_SESSION events, which the real-time rate depends on", () => {
    const mean = sessions.reduce((n, s) => n + s.events.length, 0) / sessions.length;
    expect(Math.abs(mean - EVENTS_PER_SESSION) / EVENTS_PER_SESSION).toBeLessThan(0.01);
  });

  it("has 99.9% of sessions over within 7 minutes, the real-time warm-up", () => {
    const spans = sessions.map((s) => s.events.at(-1)!.at).sort((a, b) => a - b);
    expect(spans[Math.floor(spans.length * 0.999)]).toBeLessThan(7 * 60_000);
  });

  it("keeps normal baskets clear of the high-value and unusual-quantity rules", () => {
    for (const s of sessions) {
      for (const e of s.events) {
        if (e.topic !== "transactions") continue;
        expect(e.value.total_amount).toBeLessThanOrEqual(4000);
        // At most two adds of three units of one product.
        for (const item of e.value.products)
          expect(item.quantity).toBeLessThanOrEqual(Math.min(6, RULES.unusualQuantity));
      }
    }
  });
});
