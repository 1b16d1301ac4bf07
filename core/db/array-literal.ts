/**
 * Postgres array literals for the multi-row statements (`unnest($1::bigint[], ...)`), built
 * faster than `pg` builds them: pg quotes every element and runs two regular-expression
 * replaces on it, ~1 s of the stream worker's 16 s for a 505k-event day (CPU profile,
 * bench/README.md). An array of finite numbers, or of strings without a quote or a backslash,
 * is one native join; other arrays of scalars are quoted element by element. Anything else
 * (dates, buffers, nested arrays, objects) is left to pg: undefined.
 */
export function arrayLiteral(values: readonly unknown[]): string | undefined {
  if (values.length === 0) return "{}";
  // The common cases, all numbers or all plain strings, are one native join.
  let numbers = 0;
  let plain = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v === "number") {
      if (v - v === 0) numbers++; // finite: NaN and the infinities are quoted below
    } else if (typeof v === "string") {
      if (v.indexOf('"') === -1 && v.indexOf("\\") === -1) plain++;
    } else if (v !== null && v !== undefined && typeof v !== "bigint" && typeof v !== "boolean") {
      return undefined;
    }
  }
  if (numbers === values.length) return `{${values.join(",")}}`;
  if (plain === values.length) return `{"${values.join('","')}"}`;
  let out = "{";
  for (let i = 0; i < values.length; i++) {
    if (i > 0) out += ",";
    const v = values[i];
    if (v === null || v === undefined) out += "NULL";
    else if (typeof v === "string") out += quoted(v);
    else out += `"${(v as number | bigint | boolean).toString()}"`;
  }
  return out + "}";
}

/** Only reached for arrays the joins above did not take: escaping every string is cheap there. */
function quoted(s: string): string {
  return `"${s.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`;
}

/** The parameters with every plain array as its literal (pg's own conversion for the rest). */
export function withArrayLiterals(params: readonly unknown[] | undefined): unknown[] | undefined {
  if (params === undefined) return undefined;
  let out: unknown[] | undefined;
  for (let i = 0; i < params.length; i++) {
    const p = params[i];
    if (!Array.isArray(p)) continue;
    const literal = arrayLiteral(p);
    if (literal === undefined) continue;
    out ??= params.slice();
    out[i] = literal;
  }
  return out ?? (params as unknown[]);
}
