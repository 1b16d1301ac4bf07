/** Query results as an aligned text table, CSV (RFC 4180) or JSON, for `lakehouse sql`. */
export type Format = "table" | "csv" | "json";

export function formatRows(columns: readonly string[], rows: readonly unknown[][], format: Format): string {
  const text = (v: unknown): string => {
    if (v === null || v === undefined) return "";
    if (typeof v === "string") return v;
    if (typeof v === "number" || typeof v === "boolean" || typeof v === "bigint") return v.toString();
    return JSON.stringify(v);
  };
  if (format === "json")
    return JSON.stringify(
      rows.map((r) => Object.fromEntries(columns.map((c, i) => [c, r[i] ?? null]))),
      null,
      2,
    );
  if (format === "csv") {
    const cell = (v: unknown) => {
      const s = text(v);
      return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
    };
    return [columns.map(cell).join(","), ...rows.map((r) => r.map(cell).join(","))].join("\n");
  }
  const cells = rows.map((r) => r.map(text));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i]!.length)));
  const line = (values: readonly string[]) => values.map((v, i) => v.padEnd(widths[i]!)).join(" | ");
  return [
    line(columns),
    widths.map((w) => "-".repeat(w)).join("-+-"),
    ...cells.map(line),
    `(${rows.length} row${rows.length === 1 ? "" : "s"})`,
  ].join("\n");
}
