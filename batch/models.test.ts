import { describe, expect, it } from "vitest";
import { depsOf, genericTestSql, MODELS, plan, WAREHOUSE_TABLES } from "./models.ts";

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

describe("model declarations", () => {
  it("reads a model's dependencies from its SQL, comments and its own name aside", () => {
    expect(
      depsOf(
        "daily_sales",
        "-- built from silver_refunds and more\nWITH x AS (SELECT * FROM silver_transaction_items) SELECT * FROM x JOIN dim_products USING (product_id) -- daily_sales",
      ),
    ).toEqual(["silver_transaction_items", "dim_products"]);
    expect(MODELS.find((m) => m.name === "rfm_segments")?.deps).toEqual(["rfm_customers"]);
  });

  it("publishes every gold model, keyed as its declaration says, and no silver one", () => {
    expect(Object.keys(WAREHOUSE_TABLES).sort()).toEqual(
      MODELS.filter((m) => m.layer === "gold")
        .map((m) => m.name)
        .sort(),
    );
    expect(WAREHOUSE_TABLES.daily_sales).toEqual({
      key: ["date", "category", "country"],
      indexes: [{ date: 1 }],
    });
    expect(WAREHOUSE_TABLES.rfm_customers).toEqual({ key: ["user_id"], indexes: [{ segment: 1 }] });
  });

  it("declares a unique test on every published key", () => {
    for (const m of MODELS.filter((x) => x.warehouse))
      expect(m.tests, m.name).toContainEqual({ unique: m.warehouse!.key });
  });

  it("documents every column of every published table", () => {
    for (const m of MODELS.filter((x) => x.warehouse)) {
      expect(m.columns, m.name).toBeDefined();
      for (const [column, text] of Object.entries(m.columns!))
        expect(text.length, `${m.name}.${column}`).toBeGreaterThan(5);
    }
  });

  it("turns generic tests into queries returning the rows that break them", () => {
    expect(genericTestSql("t", { unique: ["a", "b"] }).sql).toBe(
      "SELECT a, b, count(*) AS copies FROM t GROUP BY a, b HAVING count(*) > 1",
    );
    expect(genericTestSql("t", { not_null: ["a", "b"] }).sql).toBe(
      "SELECT * FROM t WHERE a IS NULL OR b IS NULL",
    );
    expect(genericTestSql("t", { relationships: { column: "u", to: "users", field: "id" } }).name).toBe(
      "t__u_in_users",
    );
  });
});
