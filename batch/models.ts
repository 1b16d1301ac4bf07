/**
 * The batch models, in run order, like a small dbt project. Each is a SQL file under
 * models/<layer>/ (a readable CTE chain, its opening comment its description) materialised as a
 * DuckDB table of the same name, with a `.yml` beside it declaring what is not SQL: its key and
 * indexes in the warehouse (published models only), its generic data tests (unique,
 * not_null, relationships) and what each column holds. Singular tests are models/tests/<model>__<test>.sql, each returning
 * the rows that break it. Dependencies are read from the SQL (the model and source names it
 * names), so they cannot drift from it. Sources are the bronze views and the product dimension.
 */
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { IndexSpecification } from "mongodb";
import { parse } from "yaml";
import { LakehouseError } from "../core/errors.ts";

export type Layer = "silver" | "gold";

export const SOURCES = [
  "bronze_transactions",
  "bronze_product_views",
  "bronze_cart_events",
  "bronze_refunds",
  // Each event once (bronze-views.ts, models/earliest-copy.sql).
  "bronze_transactions_once",
  "bronze_product_views_once",
  "bronze_cart_events_once",
  "bronze_refunds_once",
  "dim_products",
] as const;

/** A generic data test: each is turned into a query returning the rows that break it. */
export type GenericTest =
  | { unique: string[] }
  | { not_null: string[] }
  | { relationships: { column: string; to: string; field: string } };

export interface Model {
  name: string;
  layer: Layer;
  sql: string;
  /** Models or sources it reads, from its SQL. */
  deps: string[];
  /** Where it is published: the fields that identify a row, and indexes readers query by. */
  warehouse?: { key: string[]; indexes?: IndexSpecification[] };
  tests: GenericTest[];
  /** Column -> what it holds, in the table's order; checked against the built table. */
  columns?: Record<string, string>;
}

/** Run order: every model after the models it reads (checked by models.test.ts). */
const ORDER: readonly [string, Layer][] = [
  ["silver_transactions", "silver"],
  ["silver_transaction_items", "silver"],
  ["silver_product_views", "silver"],
  ["silver_cart_events", "silver"],
  ["silver_refunds", "silver"],
  ["rfm_customers", "gold"],
  ["rfm_segments", "gold"],
  ["daily_sales", "gold"],
  ["funnel_daily", "gold"],
  ["customer_360", "gold"],
  ["product_performance", "gold"],
  ["cohort_retention", "gold"],
];

const DIR = fileURLToPath(new URL("./models/", import.meta.url));
const NAMES = new Set<string>([...SOURCES, ...ORDER.map(([n]) => n)]);

/** The model and source names the SQL reads, comments aside, in the order it first names them. */
export function depsOf(name: string, sql: string): string[] {
  const code = sql.replace(/--.*$/gm, "");
  const deps: string[] = [];
  for (const [word] of code.matchAll(/\b[a-z_][a-z0-9_]*\b/g))
    if (word !== name && NAMES.has(word) && !deps.includes(word)) deps.push(word);
  return deps;
}

function load(name: string, layer: Layer): Model {
  const sql = readFileSync(`${DIR}${layer}/${name}.sql`, "utf8");
  const ymlPath = `${DIR}${layer}/${name}.yml`;
  let spec: Partial<Pick<Model, "warehouse" | "tests" | "columns">>;
  try {
    spec = (existsSync(ymlPath) ? (parse(readFileSync(ymlPath, "utf8")) ?? {}) : {}) as typeof spec;
  } catch (err) {
    // An edited declaration that is not YAML: one line naming the file, not a parser stack.
    throw new LakehouseError("CONFIG_INVALID", `${ymlPath}: ${(err as Error).message.split("\n")[0]}`);
  }
  // A typo in a declaration must not silently drop a test or an index.
  const unknown = Object.keys(spec).filter((k) => !["warehouse", "tests", "columns"].includes(k));
  for (const t of spec.tests ?? [])
    for (const k of Object.keys(t)) if (!["unique", "not_null", "relationships"].includes(k)) unknown.push(k);
  if (unknown.length > 0)
    throw new LakehouseError(
      "CONFIG_INVALID",
      `${ymlPath}: unknown ${unknown.map((k) => `"${k}"`).join(", ")}`,
    );
  return {
    name,
    layer,
    sql,
    deps: depsOf(name, sql),
    warehouse: spec.warehouse,
    tests: spec.tests ?? [],
    columns: spec.columns,
  };
}

export const MODELS: readonly Model[] = ORDER.map(([name, layer]) => load(name, layer));

/** The gold tables published to the warehouse (SPEC section 6), with their keys and indexes. */
export const WAREHOUSE_TABLES: Readonly<Record<string, NonNullable<Model["warehouse"]>>> = Object.fromEntries(
  MODELS.flatMap((m) => (m.warehouse ? [[m.name, m.warehouse]] : [])),
);

/** The query returning the rows that break a generic test of `model`. */
export function genericTestSql(model: string, test: GenericTest): { name: string; sql: string } {
  if ("unique" in test) {
    const cols = test.unique.join(", ");
    return {
      name: `${model}__unique_${test.unique.join("_")}`,
      sql: `SELECT ${cols}, count(*) AS copies FROM ${model} GROUP BY ${cols} HAVING count(*) > 1`,
    };
  }
  if ("not_null" in test)
    return {
      name: `${model}__not_null`,
      sql: `SELECT * FROM ${model} WHERE ${test.not_null.map((c) => `${c} IS NULL`).join(" OR ")}`,
    };
  const { column, to, field } = test.relationships;
  return {
    name: `${model}__${column}_in_${to}`,
    sql: `SELECT m.${column} FROM ${model} m WHERE m.${column} IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM ${to} t WHERE t.${field} = m.${column})`,
  };
}

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
