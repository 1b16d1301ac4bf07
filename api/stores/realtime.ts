/**
 * The real-time layer as the API reads it: Postgres (a pg pool) or PGlite (the embedded
 * default, shared with the stream worker in one process). Every statement runs as the
 * read-only `lakehouse_reader` role in a read-only transaction with a statement timeout, so
 * even a bug in a route cannot write or read pipeline state. A server that went away is a
 * SERVICE_UNAVAILABLE (503) for that request; the pool reconnects by itself on the next one.
 */
import pg from "pg";
import type { Sql } from "../../core/db/sql.ts";
import { isRetriable, LakehouseError } from "../../core/errors.ts";
import type { Logger } from "../../core/logger.ts";

const READER_ROLE = "lakehouse_reader";
const STATEMENT_TIMEOUT_MS = 10_000;

export interface RealtimeDb {
  query<T = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<T[]>;
  /** Resolves when the database answers (and the reader role can read). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

function classify(err: unknown): unknown {
  const code = (err as { code?: unknown }).code;
  if (code === "57014")
    return new LakehouseError("TIMEOUT", "postgres did not answer in time", { cause: err });
  if (isRetriable(err))
    return new LakehouseError("SERVICE_UNAVAILABLE", "postgres is unavailable", { cause: err });
  return err;
}

/**
 * A pool whose every connection starts as the reader role, read-only, with a statement timeout:
 * set in the connection's startup options (kept beside any the URL already has, such as a
 * search_path), so no statement can ever run before them.
 */
export function pgRealtime(url: string, logger: Logger, max = 10): RealtimeDb {
  const withRole = new URL(url);
  const given = withRole.searchParams.get("options") ?? "";
  withRole.searchParams.set(
    "options",
    `${given} -c role=${READER_ROLE} -c default_transaction_read_only=on -c statement_timeout=${STATEMENT_TIMEOUT_MS}`.trim(),
  );
  const pool = new pg.Pool({
    connectionString: withRole.toString(),
    max,
    connectionTimeoutMillis: 3000,
    idleTimeoutMillis: 30_000,
  });
  pool.on("error", (err) =>
    logger.warn({ err: err.message }, "postgres connection lost; the pool reconnects"),
  );
  return {
    async query<T>(text: string, params: readonly unknown[] = []) {
      try {
        return (await pool.query(text, params as unknown[])).rows as T[];
      } catch (err) {
        throw classify(err);
      }
    },
    async ping() {
      try {
        await pool.query("SELECT 1 FROM sales_metrics LIMIT 0");
      } catch (err) {
        throw classify(err);
      }
    },
    close: () => pool.end(),
  };
}

/**
 * PGlite has one connection, which the stream worker shares in the embedded default: the role
 * is set for each statement's own transaction only (SET LOCAL), never for the session.
 */
export function pgliteRealtime(sql: Sql): RealtimeDb {
  const asReader = <T>(text: string, params: readonly unknown[]) =>
    sql.transaction(async (tx) => {
      await tx.exec(`SET LOCAL ROLE ${READER_ROLE}; SET LOCAL transaction_read_only = on`);
      return (await tx.query<T>(text, params)).rows;
    });
  return {
    query: <T>(text: string, params: readonly unknown[] = []) => asReader<T>(text, params),
    async ping() {
      await asReader("SELECT 1 FROM sales_metrics LIMIT 0", []);
    },
    close: async () => {},
  };
}
