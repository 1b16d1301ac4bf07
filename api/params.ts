/**
 * What the routes share: the TypeBox schemas of common parameters and values, time ranges,
 * page sizes, and how money and times are written. Money is a decimal string with exactly two
 * decimals ("1234.50") on both stacks: exact (Postgres numeric and DuckDB DECIMAL are exact;
 * a JSON number is a binary float), and the same text whichever store it came from.
 */
import { Type, type Static, type TSchema } from "@sinclair/typebox";
import { badField } from "./problem.ts";

const ISO_INSTANT = "^\\d{4}-\\d{2}-\\d{2}(T\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,6})?)?(Z|[+-]\\d{2}:\\d{2}))?$";
const ISO_DATE = "^\\d{4}-\\d{2}-\\d{2}$";

const Instant = (description: string) =>
  Type.String({ pattern: ISO_INSTANT, maxLength: 40, description, examples: ["2026-11-20T10:00:00Z"] });
export const DateParam = (description: string) =>
  Type.String({ pattern: ISO_DATE, maxLength: 10, description, examples: ["2026-11-20"] });

export const Money = Type.String({
  pattern: "^-?\\d+\\.\\d{2}$",
  description: "decimal string, two decimals",
});
export const Timestamp = Type.String({ format: "date-time", description: "ISO-8601, UTC" });
export const Day = Type.String({ pattern: ISO_DATE, description: "YYYY-MM-DD (UTC)" });
export const Uuid = Type.String({ format: "uuid", maxLength: 36 });
export const Rate = Nullable(Type.Number(), { description: "0..1, null when undefined" });

/** Letters first, then letters, digits, spaces and the punctuation category names use. */
export const Category = Type.String({
  pattern: "^[A-Za-z][A-Za-z0-9 &',.-]{0,62}$",
  description: "a product category, e.g. Smartphones",
});
/**
 * A value or null, as one JSON Schema type list (`["string", "null"]`) rather than anyOf: the
 * response serialiser writes a type list directly, while anyOf makes it validate each value.
 */
export function Nullable<T extends TSchema>(schema: T, options: { description?: string } = {}) {
  const { type, ...rest } = schema as unknown as { type: string };
  return Type.Unsafe<Static<T> | null>({ ...rest, ...options, type: [type, "null"] });
}

/** A string from a fixed list: one enum, so a wrong value is one error naming the field. */
export const OneOf = <T extends string>(
  values: readonly T[],
  options: { description?: string; default?: T } = {},
) => Type.Unsafe<T>({ type: "string", enum: [...values], ...options });

export const COUNTRIES = ["USA", "UK", "Canada", "Germany", "France"] as const;
export const Country = OneOf(COUNTRIES, { description: "a SPEC country" });

export const TimeRangeQuery = {
  from: Type.Optional(Instant("start, inclusive (default: `to` minus one hour)")),
  to: Type.Optional(Instant("end, exclusive (default: now)")),
};

export const PageQuery = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100, description: "page size" })),
  cursor: Type.Optional(
    Type.String({
      maxLength: 1000,
      pattern: "^[A-Za-z0-9_-]+$",
      description: "next_cursor of the previous page",
    }),
  ),
};

export function Page<T extends TSchema>(item: T) {
  return Type.Object({
    data: Type.Array(item),
    next_cursor: Nullable(Type.String(), { description: "null on the last page" }),
  });
}

const SnapshotFields = {
  snapshot_date: Day,
  snapshot_id: Type.String({ description: "the run that published the snapshot" }),
};

/** A page of a warehouse table, with the snapshot it was read from. */
export function SnapshotPage<T extends TSchema>(item: T) {
  return Type.Object({
    ...SnapshotFields,
    data: Type.Array(item),
    next_cursor: Nullable(Type.String(), { description: "null on the last page" }),
  });
}

/** One warehouse row, with the snapshot it was read from. */
export function SnapshotOne<T extends TSchema>(item: T) {
  return Type.Object({ ...SnapshotFields, data: item });
}

export type TimeRange = { from: Date; to: Date };

const HOUR = 3_600_000;

function instant(field: string, raw: string): number {
  const ms = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(raw) ? `${raw}T00:00:00Z` : raw);
  if (Number.isNaN(ms)) throw badField(field, "is not a valid instant");
  return ms;
}

/** The range a request asks for: default the last hour; `from` < `to`; at most `maxMs` wide. */
export function timeRange(
  query: { from?: string | undefined; to?: string | undefined },
  maxMs: number,
  now = Date.now(),
): TimeRange {
  const to = query.to === undefined ? now : instant("to", query.to);
  const from = query.from === undefined ? to - HOUR : instant("from", query.from);
  if (from >= to) throw badField("from", "must be before to");
  if (to - from > maxMs)
    throw badField("from", `the range may span at most ${Math.round(maxMs / HOUR)} hours`);
  return { from: new Date(from), to: new Date(to) };
}

/** An exact two-decimal string from a Postgres numeric (string), a DuckDB/Mongo number, or a bigint. */
const TWO_DECIMALS = /^-?(0|[1-9]\d*)\.\d{2}$/;

export function money(value: unknown): string {
  if (value === null || value === undefined) return "0.00";
  // Postgres numeric(18,2) already reads this way: most values of a response take this path.
  if (typeof value === "string" && TWO_DECIMALS.test(value) && value !== "-0.00") return value;
  if (typeof value === "bigint") return `${value}.00`;
  const text = typeof value === "number" ? value.toFixed(2) : typeof value === "string" ? value : "";
  const m = /^(-?)(\d+)(?:\.(\d*))?$/.exec(text);
  if (!m) throw new TypeError(`not a decimal: ${text}`);
  const decimals = (m[3] ?? "").padEnd(3, "0");
  // Round half away from zero at the third decimal, in integers.
  let cents = BigInt(m[2]!) * 100n + BigInt(decimals.slice(0, 2));
  if (Number(decimals[2]) >= 5) cents += 1n;
  const abs = cents.toString().padStart(3, "0");
  const sign = m[1] === "-" && cents !== 0n ? "-" : "";
  return `${sign}${abs.slice(0, -2)}.${abs.slice(-2)}`;
}

/** ISO-8601 UTC from a Date, or from DuckDB's JSON text ("2026-11-20 10:00:00.123+00"). */
export function iso(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value.toISOString();
  if (typeof value !== "string") throw new TypeError("not a timestamp");
  const text = value;
  const normal = /^\d{4}-\d{2}-\d{2} /.test(text) ? text.replace(" ", "T") : text;
  const withZone = /(Z|[+-]\d{2}(:?\d{2})?)$/.test(normal) ? normal : `${normal}Z`;
  const ms = Date.parse(withZone.replace(/([+-]\d{2})$/, "$1:00"));
  if (Number.isNaN(ms)) throw new TypeError(`not a timestamp: ${text}`);
  return new Date(ms).toISOString();
}

/** Exact sums of money: cents as bigint, and back to a two-decimal string. */
export const cents = (value: unknown): bigint => BigInt(money(value).replace(".", ""));
export function fromCents(c: bigint): string {
  const abs = c < 0n ? -c : c;
  return `${c < 0n ? "-" : ""}${abs / 100n}.${(abs % 100n).toString().padStart(2, "0")}`;
}

/** a / b to four decimals, or null when b is 0 (a rate that is undefined, not zero). */
export const ratio = (a: number, b: number): number | null =>
  b === 0 ? null : Math.round((a / b) * 10_000) / 10_000;

export const num = (value: unknown): number => (value === null || value === undefined ? 0 : Number(value));
export const rate = (value: unknown): number | null =>
  value === null || value === undefined ? null : Number(value);

export type Query<T extends Record<string, TSchema>> = Static<ReturnType<typeof Type.Object<T>>>;
