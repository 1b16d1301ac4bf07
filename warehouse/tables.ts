/** The gold tables published to the warehouse, with their keys and reader indexes (SPEC section 6). */
import type { TableSpec } from "./publish.ts";

export const WAREHOUSE_TABLES: Record<string, TableSpec> = {
  rfm_customers: { key: ["user_id"], indexes: [{ segment: 1 }] },
  rfm_segments: { key: ["segment"] },
  customer_360: { key: ["user_id"] },
  daily_sales: { key: ["date", "category", "country"], indexes: [{ date: 1 }] },
  product_performance: { key: ["product_id"], indexes: [{ category: 1 }] },
  cohort_retention: { key: ["cohort_month", "months_since_first"] },
  funnel_daily: { key: ["date"] },
};
