/**
 * The golden comparison: the stream layer's Postgres tables and an independent DuckDB
 * recomputation (recompute.sql) from the same events file, both as sorted lists of canonical
 * rows (times in epoch ms, money in cents), so a failure shows exactly which rows differ.
 */
import { readFileSync } from "node:fs";
import { DuckDBInstance } from "@duckdb/node-api";
import { RULES } from "../../core/anomaly-rules.ts";
import type { SqlClient } from "../../core/db/sql.ts";
import { DEFAULT_SESSION_RULES } from "../operators/sessions/rules.ts";
import { sqlString } from "../../core/sql-literal.ts";

export type Tables = Record<string, string[]>;

/** Rounds cents / n to whole cents, half away from zero (Postgres' numeric round). */
const avgCents = (cents: number, n: number) => Math.floor((2 * cents + n) / (2 * n));

export interface GoldenScope {
  /** Sessions and carts count only if closed: their session ended before this (ms). */
  sessionsEndBefore: number;
}

const j = (...xs: unknown[]) => xs.map((x) => String(x)).join("|");

export async function recompute(
  eventsFile: string,
  productsFile: string,
  scope: GoldenScope,
): Promise<Tables> {
  const db = await DuckDBInstance.create(":memory:");
  const conn = await db.connect();
  try {
    const vars: Record<string, number | string> = {
      events_file: eventsFile,
      products_file: productsFile,
      rapid_ms: RULES.rapidWindowMs,
      rapid_count: RULES.rapidCount,
      velocity_ms: RULES.velocityWindowMs,
      tiny_cents: RULES.tinyAmount * 100,
      card_count: RULES.cardTestingCount,
      velocity_cents: RULES.velocitySum * 100,
      high_value_cents: RULES.highValue * 100,
      unusual_quantity: RULES.unusualQuantity,
      outlier_min: RULES.outlierMinHistory,
      outlier_sigmas: RULES.outlierSigmas,
      outlier_ratio: RULES.outlierRatio,
      gap_ms: DEFAULT_SESSION_RULES.gapMs,
    };
    for (const [k, v] of Object.entries(vars))
      await conn.run(`SET VARIABLE ${k} = ${typeof v === "string" ? sqlString(v) : v}`);
    await conn.run(readFileSync(new URL("./recompute.sql", import.meta.url), "utf8"));
    const rows = async (q: string) =>
      (await conn.runAndReadAll(q))
        .getRowsJS()
        .map((r) => r.map((x) => (typeof x === "bigint" ? Number(x) : x)));
    const end = scope.sessionsEndBefore;
    return {
      sales: (await rows("SELECT * FROM expected_sales")).map(([w, c, k, r, t, u]) =>
        j(w, c, k, r, t, u, avgCents(r as number, t as number)),
      ),
      rollups: (
        await rows(
          `SELECT coalesce(category, '*'), coalesce(country, '*'), w, sum(revenue_cents), sum(transactions), sum(units)
           FROM expected_sales GROUP BY GROUPING SETS ((w), (w, category), (w, country))`,
        )
      ).map((r) => j(...r)),
      funnel: (await rows("SELECT * FROM expected_funnel")).map((r) => j(...r)),
      payments: (await rows("SELECT * FROM expected_payments")).map((r) => j(...r)),
      refunds: (await rows("SELECT * FROM expected_refunds")).map((r) => j(...r)),
      refundReasons: (await rows("SELECT * FROM expected_refund_reasons")).map((r) => j(...r)),
      anomalies: (await rows("SELECT * FROM expected_anomalies")).map((r) => j(...r)),
      sessions: (
        await rows(
          `SELECT session_id, user_id, session_start, session_end, page_views, cart_adds, cart_removes, cart_updates,
                  purchases, purchase_cents, abandoned FROM expected_sessions WHERE session_end < ${end}`,
        )
      ).map((r) => j(...r)),
      abandonment: (
        await rows(
          `SELECT a.* FROM expected_abandonment a JOIN expected_sessions s USING (session_id) WHERE s.session_end < ${end}`,
        )
      ).map((r) => j(...r)),
      stock: (await rows("SELECT * FROM expected_stock")).map((r) => j(...r)),
      alerts: (await rows("SELECT * FROM expected_alerts")).map((r) => j(...r)),
      velocity: (await rows("SELECT * FROM expected_velocity")).map((r) => j(...r)),
    };
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}

let alias = 0;
// Every expression named: pg returns rows as objects, and unnamed columns would collide.
const ms = (column: string) => `(extract(epoch FROM ${column}) * 1000)::bigint AS t${alias++}`;
const c = (column: string) => `(${column} * 100)::bigint AS c${alias++}`;

/** The same canonical rows from the stream layer's tables. */
export async function streamTables(db: SqlClient, scope: GoldenScope): Promise<Tables> {
  const rows = async (q: string) =>
    (await db.query<Record<string, unknown>>(q)).rows.map((r) => j(...Object.values(r)));
  return {
    sales: await rows(
      `SELECT ${ms("window_start")}, category, country, ${c("revenue")}, transactions, units, ${c("avg_value")} FROM sales_metrics`,
    ),
    rollups: await rows(
      `SELECT category, country, ${ms("window_start")}, ${c("revenue")}, transactions, units FROM sales_minute_rollups`,
    ),
    funnel: await rows(`SELECT ${ms("window_start")}, views, cart_adds, purchases FROM funnel_metrics`),
    payments: await rows(
      `SELECT ${ms("window_start")}, payment_method, transactions, ${c("amount")} FROM payment_metrics`,
    ),
    refunds: await rows(`SELECT ${ms("window_start")}, refunds, ${c("amount")} FROM refund_metrics`),
    refundReasons: await rows(
      `SELECT ${ms("hour_start")}, reason, refunds, ${c("amount")} FROM refund_reasons_hourly`,
    ),
    anomalies: await rows("SELECT transaction_id, anomaly_type FROM transaction_anomalies"),
    sessions: await rows(
      `SELECT session_id, user_id, ${ms("session_start")}, ${ms("session_end")}, page_views, cart_adds, cart_removes,
              cart_updates, purchases, ${c("purchase_amount")}, abandoned
       FROM session_metrics WHERE session_end < to_timestamp(${scope.sessionsEndBefore} / 1000.0)`,
    ),
    abandonment: await rows(
      `SELECT a.session_id, a.user_id, ${ms("a.last_cart_activity")}, a.items, a.distinct_products, ${c("a.cart_value")}
       FROM cart_abandonment a
       WHERE EXISTS (SELECT 1 FROM session_metrics s WHERE s.session_id = a.session_id
                     AND s.session_end < to_timestamp(${scope.sessionsEndBefore} / 1000.0))`,
    ),
    stock: await rows(
      `SELECT i.product_id, i.quantity FROM inventory_status i
       WHERE i.product_id IN (SELECT DISTINCT product_id FROM product_hour_units)`,
    ),
    alerts: await rows("SELECT product_id, level FROM low_stock_alerts"),
    velocity: await rows(`SELECT ${ms("hour_start")}, product_id, units, rank FROM inventory_velocity`),
  };
}

/** Sorted copies, so two tables compare row by row. */
export function sorted(t: Tables): Tables {
  return Object.fromEntries(Object.entries(t).map(([k, v]) => [k, [...v].sort()]));
}

/**
 * What differs between two sets of tables: per table, up to 5 rows only in `got` and only in
 * `want`. Empty when equal, so a test failure names the rows instead of two huge arrays.
 */
export function tableDiff(got: Tables, want: Tables): Record<string, { extra: string[]; missing: string[] }> {
  const diff: Record<string, { extra: string[]; missing: string[] }> = {};
  for (const table of new Set([...Object.keys(got), ...Object.keys(want)])) {
    const g = got[table] ?? [];
    const w = want[table] ?? [];
    const gs = new Set(g);
    const ws = new Set(w);
    const extra = g.filter((r) => !ws.has(r));
    const missing = w.filter((r) => !gs.has(r));
    if (extra.length > 0 || missing.length > 0 || g.length !== w.length)
      diff[table] = { extra: extra.slice(0, 5), missing: missing.slice(0, 5) };
  }
  return diff;
}
