/** A pg pool that waits, with backoff and a log line, for Postgres to answer before use. */
import pg from "pg";
import { redactUrl } from "../config.ts";
import type { Logger } from "../logger.ts";
import { retry } from "../retry.ts";

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
