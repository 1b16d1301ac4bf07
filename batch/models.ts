/**
 * The batch models, in dependency order, like a small dbt project: each is a SQL file under
 * models/<layer>/ (a readable CTE chain) materialised as a DuckDB table of the same name, and
 * followed by its data tests (models/tests/<model>__<test>.sql, each returning the rows that
 * break it). Sources are the bronze views and the product dimension.
 */
export type Layer = "silver" | "gold";

export interface Model {
  name: string;
  layer: Layer;
  /** Models (or sources: bronze_*, dim_products) it reads. */
  deps: string[];
}

export const MODELS: readonly Model[] = [
  { name: "silver_transactions", layer: "silver", deps: ["bronze_transactions"] },
  { name: "silver_transaction_items", layer: "silver", deps: ["silver_transactions", "dim_products"] },
  { name: "silver_product_views", layer: "silver", deps: ["bronze_product_views"] },
  { name: "silver_cart_events", layer: "silver", deps: ["bronze_cart_events"] },
  { name: "silver_refunds", layer: "silver", deps: ["bronze_refunds"] },
  { name: "rfm_customers", layer: "gold", deps: ["silver_transactions"] },
  { name: "rfm_segments", layer: "gold", deps: ["rfm_customers"] },
  { name: "daily_sales", layer: "gold", deps: ["silver_transaction_items", "silver_refunds"] },
  {
    name: "funnel_daily",
    layer: "gold",
    deps: ["silver_product_views", "silver_cart_events", "silver_transactions"],
  },
  {
    name: "customer_360",
    layer: "gold",
    deps: [
      "silver_transactions",
      "silver_transaction_items",
      "silver_refunds",
      "silver_product_views",
      "silver_cart_events",
    ],
  },
  {
    name: "product_performance",
    layer: "gold",
    deps: [
      "silver_transaction_items",
      "silver_refunds",
      "silver_product_views",
      "silver_cart_events",
      "dim_products",
    ],
  },
  { name: "cohort_retention", layer: "gold", deps: ["silver_transactions"] },
];

/** The models `job` needs, itself last, in run order; every model when `job` is undefined. */
export function plan(job?: string): Model[] {
  if (job === undefined) return [...MODELS];
  const byName = new Map(MODELS.map((m) => [m.name, m]));
  if (!byName.has(job))
    throw new RangeError(`unknown job "${job}"; one of: ${MODELS.map((m) => m.name).join(", ")}`);
  const needed = new Set<string>();
  const visit = (name: string) => {
    const m = byName.get(name);
    if (!m || needed.has(name)) return;
    for (const d of m.deps) visit(d);
    needed.add(name);
  };
  visit(job);
  return MODELS.filter((m) => needed.has(m.name));
}
