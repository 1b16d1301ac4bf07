/**
 * Opaque cursors for keyset pagination. A cursor holds the sort key of the last row sent, the
 * warehouse snapshot the walk started on (so a walk never mixes two snapshots), and a digest of
 * the query it belongs to (a cursor from another filter or sort is refused, not misread).
 * It is base64url JSON: not secret (it only holds values the client has already seen), and
 * every value is checked against the key's types before it reaches a query as a parameter.
 */
import { createHash } from "node:crypto";
import { badField } from "./problem.ts";

export type KeyValue = string | number | null;

export interface CursorState {
  /** The sort key of the last row returned. */
  after: KeyValue[];
  /** The warehouse snapshot (run id) the walk is on; absent for the real-time tables. */
  snapshot?: string;
}

/** A digest of what defines the walk: route and filters, not the page size or the cursor. */
export function queryDigest(route: string, query: Record<string, unknown>): string {
  const parts = Object.keys(query)
    .filter((k) => k !== "cursor" && k !== "limit" && query[k] !== undefined)
    .sort()
    .map((k) => `${k}=${String(query[k])}`);
  return createHash("sha256")
    .update(`${route}?${parts.join("&")}`)
    .digest("base64url")
    .slice(0, 12);
}

export function encodeCursor(state: CursorState, digest: string): string {
  return Buffer.from(JSON.stringify({ a: state.after, s: state.snapshot, q: digest })).toString("base64url");
}

/**
 * Decodes a cursor for a query whose key has `types` ("string" | "number" per position;
 * "string?" allows null). Anything else is a 400 naming `cursor`.
 */
export function decodeCursor(raw: string, digest: string, types: readonly string[]): CursorState {
  const invalid = () => badField("cursor", "is not a cursor this query returned");
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(raw, "base64url").toString("utf8"));
  } catch {
    throw invalid();
  }
  const c = parsed as { a?: unknown; s?: unknown; q?: unknown };
  if (typeof c !== "object" || c === null || !Array.isArray(c.a) || c.a.length !== types.length)
    throw invalid();
  if (c.q !== digest) throw badField("cursor", "belongs to another query (different route, filters or sort)");
  if (c.s !== undefined && typeof c.s !== "string") throw invalid();
  const after = c.a as unknown[];
  after.forEach((v, i) => {
    const t = types[i]!;
    const ok =
      (v === null && t.endsWith("?")) ||
      (typeof v === "string" && t.startsWith("string") && v.length <= 200) ||
      (typeof v === "number" && t.startsWith("number") && Number.isFinite(v));
    if (!ok) throw invalid();
  });
  return { after: after as KeyValue[], ...(typeof c.s === "string" ? { snapshot: c.s } : {}) };
}
