/**
 * The Sql port on PGlite (Postgres compiled to WebAssembly, in this process): the embedded
 * default's database and the stream layer's server-free tests. Same SQL as real Postgres.
 */
import { PGlite } from "@electric-sql/pglite";
import { withArrayLiterals } from "./array-literal.ts";
import type { Sql, SqlClient } from "./sql.ts";

function wrap(db: Pick<PGlite, "query" | "exec">): SqlClient {
  return {
    async query<T>(text: string, params?: readonly unknown[]) {
      const r = await db.query<T>(text, withArrayLiterals(params));
      return { rows: r.rows, rowCount: r.affectedRows ?? r.rows.length };
    },
    async exec(script: string) {
      await db.exec(script);
    },
  };
}

function pgliteSql(db: PGlite): Sql {
  return {
    ...wrap(db),
    transaction: (fn) => db.transaction((tx) => fn(wrap(tx))),
    close: () => db.close(),
  };
}

/** An embedded database in `dir` (persisted), or in memory when `dir` is undefined. */
export async function openPglite(dir?: string): Promise<{ db: PGlite; sql: Sql }> {
  const db = await PGlite.create(dir);
  return { db, sql: pgliteSql(db) };
}
