/** Keyset pages: fetch one row more than asked, and make the cursor from the last row sent. */
import { decodeCursor, encodeCursor, queryDigest, type CursorState, type KeyValue } from "../cursor.ts";

export interface PageRequest {
  limit: number;
  digest: string;
  cursor: CursorState | undefined;
}

/** The page size and the decoded cursor of a list request whose key has `keyTypes`. */
export function pageRequest(
  route: string,
  query: { limit?: number | undefined; cursor?: string | undefined } & Record<string, unknown>,
  keyTypes: readonly string[],
): PageRequest {
  const digest = queryDigest(route, query);
  const cursor = query.cursor === undefined ? undefined : decodeCursor(query.cursor, digest, keyTypes);
  return { limit: query.limit ?? 100, digest, cursor };
}

/** `{ data, next_cursor }` from up to limit + 1 rows. */
export function page<R, T>(
  rows: readonly R[],
  request: PageRequest,
  keyOf: (row: R) => KeyValue[],
  map: (row: R) => T,
  snapshot?: string,
): { data: T[]; next_cursor: string | null } {
  const more = rows.length > request.limit;
  const sent = more ? rows.slice(0, request.limit) : rows;
  const last = sent[sent.length - 1];
  return {
    data: sent.map(map),
    next_cursor:
      more && last !== undefined
        ? encodeCursor({ after: keyOf(last), ...(snapshot ? { snapshot } : {}) }, request.digest)
        : null,
  };
}
