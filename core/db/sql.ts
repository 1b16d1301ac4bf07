/**
 * The narrow SQL port the stream layer writes through: queries and transactions. Adapters:
 * a `pg` pool (real Postgres) and PGlite (the embedded default); the SQL is the same.
 */
import type pg from "pg";
import { withArrayLiterals } from "./array-literal.ts";

export interface SqlResult<T> {
  rows: T[];
  rowCount: number;
}

export interface SqlClient {
  query<T = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<SqlResult<T>>;
  /** Runs a script of several statements without parameters (migrations). */
  exec(script: string): Promise<void>;
}

export interface Sql extends SqlClient {
  /** Runs `fn` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: SqlClient) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

function wrap(client: pg.Pool | pg.PoolClient): SqlClient {
  return {
    async query<T>(text: string, params?: readonly unknown[]) {
      const r = await client.query(text, withArrayLiterals(params));
      return { rows: r.rows as T[], rowCount: r.rowCount ?? 0 };
    },
    async exec(script: string) {
      await client.query(script); // no parameters: the simple protocol runs every statement
    },
  };
}

export function pgSql(pool: pg.Pool): Sql {
  return {
    ...wrap(pool),
    async transaction<T>(fn: (tx: SqlClient) => Promise<T>): Promise<T> {
      const client = await pool.connect();
      let broken = false;
      // A connection dropped between two statements (Postgres restarting) is reported as an
      // event on the checked-out client; the next statement fails with it anyway.
      const lost = () => {
        broken = true;
      };
      client.on("error", lost);
      try {
        await client.query("BEGIN");
        const result = await fn(wrap(client));
        await client.query("COMMIT");
        return result;
      } catch (err) {
        await client.query("ROLLBACK").catch(() => {
          broken = true; // the connection died: do not hand it to the next caller
        });
        throw err;
      } finally {
        client.off("error", lost);
        client.release(broken);
      }
    },
    close: () => pool.end(),
  };
}
