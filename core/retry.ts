/**
 * Retry with exponential backoff for anything that talks to a server. Only retriable errors
 * (see errors.ts) are retried; each wait is logged with what we are waiting for, so an
 * operator watching a stalled worker reads "waiting for postgres" rather than silence.
 */
import { isRetriable, LakehouseError } from "./errors.ts";
import type { Logger } from "./logger.ts";

export interface RetryOptions {
  /** What we wait for, in words: "postgres at 127.0.0.1:5432", "kafka metadata". */
  what: string;
  logger?: Logger;
  /** Attempts in all, the first included. Infinity retries until success or abort. */
  attempts?: number;
  initialDelayMs?: number;
  maxDelayMs?: number;
  /** Fraction of each delay that is randomised, to keep restarted workers from stampeding. */
  jitter?: number;
  signal?: AbortSignal;
  /** Overrides the default isRetriable classification. */
  retriable?: (err: unknown) => boolean;
  /** For tests: how to wait. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** The delay before retry number `attempt` (1-based): initial * 2^(attempt-1), capped, jittered. */
export function backoffDelay(
  attempt: number,
  initialMs: number,
  maxMs: number,
  jitter: number,
  random = Math.random,
) {
  const base = Math.min(maxMs, initialMs * 2 ** (attempt - 1));
  return Math.round(base * (1 - jitter + jitter * random()));
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError(signal));
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortError(signal));
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

function abortError(signal: AbortSignal | undefined): Error {
  const reason: unknown = signal?.reason;
  return reason instanceof Error ? reason : new LakehouseError("TIMEOUT", "aborted while waiting to retry");
}

function reasonOf(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return typeof code === "string" && !err.message.includes(code) ? `${code}: ${err.message}` : err.message;
  }
  return String(err);
}

export async function retry<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const attempts = options.attempts ?? Infinity;
  const initial = options.initialDelayMs ?? 200;
  const max = options.maxDelayMs ?? 30_000;
  const jitter = options.jitter ?? 0.2;
  const canRetry = options.retriable ?? isRetriable;
  const wait = options.sleep ?? sleep;
  for (let attempt = 1; ; attempt++) {
    try {
      const result = await fn(attempt);
      if (attempt > 1)
        options.logger?.info({ what: options.what, attempt }, `${options.what}: available again`);
      return result;
    } catch (err) {
      if (options.signal?.aborted || attempt >= attempts || !canRetry(err)) throw err;
      const delay = backoffDelay(attempt, initial, max, jitter);
      options.logger?.warn(
        { what: options.what, attempt, delayMs: delay, err: reasonOf(err) },
        `waiting for ${options.what}: ${reasonOf(err)}; retry ${attempt} in ${(delay / 1000).toFixed(1)} s`,
      );
      await wait(delay, options.signal);
    }
  }
}
