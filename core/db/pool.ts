/** A pg pool that waits, with backoff and a log line, for Postgres to answer before use. */
import pg from "pg";
import { redactUrl } from "../config.ts";
import { LakehouseError } from "../errors.ts";
import type { Logger } from "../logger.ts";
import { retry } from "../retry.ts";
import { migrate } from "./migrate.ts";
import { pgSql, type Sql } from "./sql.ts";

export async function connectPool(
  url: string,
  logger: Logger,
  options: { max?: number; signal?: AbortSignal } = {},
): Promise<pg.Pool> {
  const pool = new pg.Pool({ connectionString: url, max: options.max ?? 10, connectionTimeoutMillis: 5000 });
  // An idle client losing its connection (Postgres restart) must not crash the process.
  pool.on("error", (err) =>
    logger.warn({ err: err.message }, "postgres connection lost; the pool reconnects"),
  );
  await retry(() => pool.query("SELECT 1"), {
    what: `postgres at ${redactUrl(url)}`,
    logger,
    maxDelayMs: 10_000,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  return pool;
}

/**
 * For one-shot operator commands (`dlq`, `stream rebuild`): Postgres asked once, migrations
 * applied, and a server that does not answer is one SERVICE_UNAVAILABLE naming it, not a wait.
 */
export async function openMigratedOnce(url: string, logger: Logger): Promise<Sql> {
  const pool = new pg.Pool({ connectionString: url, max: 2, connectionTimeoutMillis: 5000 });
  pool.on("error", () => {});
  const sql = pgSql(pool);
  try {
    await migrate(sql, logger);
  } catch (err) {
    await sql.close();
    throw new LakehouseError(
      "SERVICE_UNAVAILABLE",
      `postgres at ${redactUrl(url)}: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
  return sql;
}
