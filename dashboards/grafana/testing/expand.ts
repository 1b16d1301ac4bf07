/**
 * What Grafana does to a panel's query before a datasource sees it, for the tests that run the
 * dashboards' queries against the real servers (a Grafana server cannot be installed here).
 * It follows Grafana's documented semantics for the pinned version:
 *  - template variables (`$name`, `${name}`, `${name:format}`, `[[name]]`) and the globals
 *    `$__interval`, `$__interval_ms`, `$__range`, `$__rate_interval`, `${__from:date:...}`;
 *    multi-value and "All" values are quoted per datasource (SQL: 'a','b'; PromQL: a|b);
 *  - the PostgreSQL macros `$__time`, `$__timeEpoch`, `$__timeFilter`, `$__timeFrom`,
 *    `$__timeTo`, `$__timeGroup`, `$__timeGroupAlias`, `$__unixEpochFilter`.
 * Anything else that looks like a variable or a macro is an error, so a dashboard cannot use
 * something this expander (and so the tests) would silently skip.
 */

export interface Range {
  from: Date;
  to: Date;
}

export type Dialect = "sql" | "promql" | "url";

export interface VariableValue {
  /** The selected values; ["$__all"] means every option. */
  value: string[];
  /** Every option the variable offers (for "All"). */
  options: string[];
  multi: boolean;
  includeAll: boolean;
}

export interface ExpandContext {
  range: Range;
  /** The panel's minimum interval ("1m"), or the datasource's time interval. */
  minInterval?: string;
  /** Grafana's default is the panel's width in pixels; 1000 stands in for a wide panel. */
  maxDataPoints?: number;
  /** The Prometheus datasource's timeInterval (scrape interval), for $__rate_interval. */
  scrapeInterval?: string;
  variables: Record<string, VariableValue>;
}

const UNITS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

export function durationMs(text: string): number {
  const m = /^(\d+)(ms|s|m|h|d|w)$/.exec(text.trim().replace(/^'|'$/g, ""));
  if (!m) throw new Error(`not a Grafana interval: ${text}`);
  return Number(m[1]) * UNITS[m[2]!]!;
}

/** Grafana's interval text: the largest unit that divides the duration. */
function intervalText(ms: number): string {
  for (const unit of ["w", "d", "h", "m", "s"] as const)
    if (ms % UNITS[unit]! === 0) return `${ms / UNITS[unit]!}${unit}`;
  return `${ms}ms`;
}

// Grafana's rangeutil.roundInterval: the nice interval nearest below each threshold.
const ROUNDING: [number, number][] = [
  [15, 10],
  [35, 20],
  [75, 50],
  [150, 100],
  [350, 200],
  [750, 500],
  [1500, 1000],
  [3500, 2000],
  [7500, 5000],
  [12500, 10_000],
  [17500, 15_000],
  [25000, 20_000],
  [45000, 30_000],
  [90000, 60_000],
  [180000, 120_000],
  [450000, 300_000],
  [1050000, 600_000],
  [2100000, 900_000],
  [3600000, 1_800_000],
  [5400000, 3_600_000],
  [16200000, 7_200_000],
  [45000000, 21_600_000],
  [129600000, 43_200_000],
  [259200000, 86_400_000],
];

function roundInterval(ms: number): number {
  if (ms <= 10) return 1;
  for (const [limit, value] of ROUNDING) if (ms <= limit) return value;
  return 604_800_000;
}

/** $__interval in ms: the range over the data points, rounded, never below the minimum interval. */
function intervalMs(ctx: ExpandContext): number {
  const span = ctx.range.to.getTime() - ctx.range.from.getTime();
  const computed = roundInterval(span / (ctx.maxDataPoints ?? 1000));
  return Math.max(computed, ctx.minInterval ? durationMs(ctx.minInterval) : 0);
}

const quoteSql = (v: string) => `'${v.replaceAll("'", "''")}'`;
const escapeRegex = (v: string) => v.replace(/[\\^$*+?.()|[\]{}]/g, "\\$&");

function formatDate(date: Date, format: string): string {
  const iso = date.toISOString();
  if (format === "iso") return iso;
  if (format === "YYYY-MM-DD") return iso.slice(0, 10);
  if (format === "seconds") return String(Math.floor(date.getTime() / 1000));
  throw new Error(`date format ${format} is not supported by the expander`);
}

function formatValues(
  values: string[],
  variable: VariableValue,
  format: string | undefined,
  dialect: Dialect,
): string {
  switch (format) {
    case "raw":
      return values.join(",");
    case "sqlstring":
      return values.map(quoteSql).join(",");
    case "csv":
      return values.join(",");
    case "pipe":
      return values.join("|");
    case "regex":
      return values.length === 1 ? escapeRegex(values[0]!) : `(${values.map(escapeRegex).join("|")})`;
    case "percentencode":
      return encodeURIComponent(values.length === 1 ? values[0]! : `{${values.join(",")}}`);
    case undefined:
      break;
    default:
      throw new Error(`variable format ${format} is not supported by the expander`);
  }
  // Each datasource's own default (what `$name` becomes without a format).
  if (dialect === "sql") {
    if (variable.multi || variable.includeAll) return values.map(quoteSql).join(",");
    return values.join(",").replaceAll("'", "''");
  }
  if (dialect === "promql")
    return values.length === 1 ? escapeRegex(values[0]!) : `(${values.map(escapeRegex).join("|")})`;
  return values.join(",");
}

const VARIABLE = /\$(\w+)|\[\[(\w+?)(?::(\w+))?\]\]|\$\{(\w+)(?::([^}]+))?\}/g;

/** Template variables and Grafana's globals; SQL macros ($__timeFilter and kin) are left for expandSqlMacros. */
export function interpolate(text: string, ctx: ExpandContext, dialect: Dialect): string {
  const interval = intervalMs(ctx);
  const span = ctx.range.to.getTime() - ctx.range.from.getTime();
  const scrape = ctx.scrapeInterval ? durationMs(ctx.scrapeInterval) : 15_000;
  const globals: Record<string, string> = {
    __interval: intervalText(interval),
    __interval_ms: String(interval),
    __range: intervalText(Math.round(span / 1000) * 1000),
    __range_s: String(Math.round(span / 1000)),
    __rate_interval: intervalText(Math.max(interval + scrape, 4 * scrape)),
  };
  return text.replace(
    VARIABLE,
    (
      whole,
      plain?: string,
      bracket?: string,
      bracketFormat?: string,
      braced?: string,
      bracedFormat?: string,
    ) => {
      const name = plain ?? bracket ?? braced!;
      const format = bracketFormat ?? bracedFormat;
      if (name === "__from" || name === "__to") {
        const date = name === "__from" ? ctx.range.from : ctx.range.to;
        if (format === undefined) return String(date.getTime());
        const [kind, ...rest] = format.split(":");
        if (kind !== "date") throw new Error(`${whole}: only the date format is supported`);
        return formatDate(date, rest.length === 0 ? "iso" : rest.join(":"));
      }
      if (name in globals) return globals[name]!;
      if (name.startsWith("__")) {
        if (dialect === "sql" && plain !== undefined) return whole; // a SQL macro, expanded next
        throw new Error(`${whole}: no such global variable`);
      }
      const variable = ctx.variables[name];
      if (!variable) throw new Error(`${whole}: the dashboard defines no variable ${name}`);
      const values =
        variable.value.length === 1 && variable.value[0] === "$__all" ? variable.options : variable.value;
      return formatValues(values, variable, format, dialect);
    },
  );
}

/** Splits a macro's argument list at top-level commas. */
function macroArgs(text: string): string[] {
  const args: string[] = [];
  let depth = 0;
  let current = "";
  for (const ch of text) {
    if (ch === "(") depth++;
    if (ch === ")") depth--;
    if (ch === "," && depth === 0) {
      args.push(current.trim());
      current = "";
    } else current += ch;
  }
  if (current.trim() !== "") args.push(current.trim());
  return args;
}

/** The PostgreSQL datasource's macros, as its backend expands them. */
export function expandSqlMacros(sql: string, range: Range): string {
  const from = `'${range.from.toISOString()}'`;
  const to = `'${range.to.toISOString()}'`;
  const seconds = (d: Date) => Math.floor(d.getTime() / 1000);
  let out = "";
  let i = 0;
  for (;;) {
    const at = sql.indexOf("$__", i);
    if (at < 0) return out + sql.slice(i);
    out += sql.slice(i, at);
    const m = /^\$__(\w+)\(/.exec(sql.slice(at));
    if (!m) throw new Error(`unexpanded ${sql.slice(at, at + 30)}`);
    // The argument list ends at the parenthesis that closes the macro's own.
    let depth = 0;
    let end = at + m[0].length - 1;
    for (; end < sql.length; end++) {
      if (sql[end] === "(") depth++;
      if (sql[end] === ")" && --depth === 0) break;
    }
    const args = macroArgs(sql.slice(at + m[0].length, end));
    const group = () => {
      const s = durationMs(args[1] ?? "") / 1000;
      return `floor(extract(epoch from ${args[0]})/${s})*${s}`;
    };
    const expansions: Record<string, () => string> = {
      time: () => `${args[0]} AS "time"`,
      timeEpoch: () => `extract(epoch from ${args[0]}) AS "time"`,
      timeFilter: () => `${args[0]} BETWEEN ${from} AND ${to}`,
      timeFrom: () => from,
      timeTo: () => to,
      timeGroup: group,
      timeGroupAlias: () => `${group()} AS "time"`,
      unixEpochFilter: () => `${args[0]} >= ${seconds(range.from)} AND ${args[0]} <= ${seconds(range.to)}`,
    };
    const expand = expansions[m[1]!];
    if (!expand) throw new Error(`$__${m[1]}: not a PostgreSQL macro the expander knows`);
    out += expand();
    i = end + 1;
  }
}

/** Every template variable a text uses (not Grafana's globals or macros). */
export function variablesUsed(text: string): string[] {
  const names = new Set<string>();
  for (const m of text.matchAll(VARIABLE)) {
    const name = m[1] ?? m[2] ?? m[4]!;
    if (!name.startsWith("__")) names.add(name);
  }
  return [...names];
}
