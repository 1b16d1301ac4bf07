/** Variables several dashboards share. */
import { sqlVariable } from "./kit.ts";

export const category = sqlVariable(
  "category",
  "Category",
  "SELECT DISTINCT category FROM products ORDER BY 1",
);
export const country = sqlVariable(
  "country",
  "Country",
  "SELECT DISTINCT country FROM sales_metrics ORDER BY 1",
);

/** The sales filter every sales_metrics query carries. */
export const SALES_FILTER = "category IN ($category) AND country IN ($country)";
