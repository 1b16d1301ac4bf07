import { describe, expect, it } from "vitest";
import { MODELS, plan } from "./models.ts";

describe("plan", () => {
  it("runs one job with what it needs, in dependency order", () => {
    expect(plan("rfm_segments").map((m) => m.name)).toEqual([
      "silver_transactions",
      "rfm_customers",
      "rfm_segments",
    ]);
    expect(plan("daily_sales").map((m) => m.name)).toEqual([
      "silver_transactions",
      "silver_transaction_items",
      "silver_refunds",
      "daily_sales",
    ]);
    expect(plan()).toEqual(MODELS);
    expect(() => plan("nope")).toThrow(/unknown job "nope"/);
  });

  it("lists every model after the models it reads", () => {
    const seen = new Set<string>();
    for (const m of MODELS) {
      for (const d of m.deps)
        if (!d.startsWith("bronze_") && d !== "dim_products")
          expect(seen.has(d), `${m.name} <- ${d}`).toBe(true);
      seen.add(m.name);
    }
  });
});
