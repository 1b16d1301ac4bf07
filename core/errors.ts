/**
 * One error type for the whole pipeline. Every failure that crosses a module boundary is a
 * LakehouseError with a stable code, so retry loops, the DLQ and the API can decide what to
 * do from `code` and `retriable` instead of parsing messages.
 */

/**
 * Every code: whether retrying the same operation can succeed, the HTTP status the API answers
 * with, and the problem title (RFC 9457) a client sees. The API's error bodies come only from
 * here, so a code always reads the same wherever it is raised.
 */
export const ERROR_CODES = {
  CONFIG_INVALID: { retriable: false, status: 500, title: "The service is misconfigured" },
  VALIDATION_FAILED: { retriable: false, status: 400, title: "A request field is invalid" },
  NOT_FOUND: { retriable: false, status: 404, title: "No such resource" },
  CONFLICT: { retriable: false, status: 409, title: "The request conflicts with the current state" },
  PAYLOAD_TOO_LARGE: { retriable: false, status: 413, title: "The request is too large" },
  UNAUTHORIZED: { retriable: false, status: 401, title: "A valid API key is required" },
  /** The key is valid but lacks the scope the route needs. */
  FORBIDDEN: { retriable: false, status: 403, title: "The API key lacks the scope this route needs" },
  /** Too many requests from one key; the answer carries Retry-After. */
  RATE_LIMITED: { retriable: true, status: 429, title: "Too many requests" },
  /** A server we depend on (Kafka, Postgres, S3, Mongo) did not answer or refused. */
  SERVICE_UNAVAILABLE: { retriable: true, status: 503, title: "A backing store is unavailable" },
  /** This worker no longer owns what it tried to commit (lost partitions in a rebalance). */
  FENCED: { retriable: false, status: 409, title: "Fenced by a newer owner" },
  TIMEOUT: { retriable: true, status: 503, title: "A backing store did not answer in time" },
  DATA_TEST_FAILED: { retriable: false, status: 500, title: "A data test failed" },
  INTERNAL: { retriable: false, status: 500, title: "Internal error" },
} as const satisfies Record<string, { retriable: boolean; status: number; title: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface ErrorOptions {
  /** What was being done, with identifiers (topic, partition, table, key...). Never secrets. */
  context?: Record<string, unknown>;
  cause?: unknown;
  /** Overrides the code's default when the caller knows better. */
  retriable?: boolean;
}

export class LakehouseError extends Error {
  readonly code: ErrorCode;
  readonly retriable: boolean;
  readonly context: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: ErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "LakehouseError";
    this.code = code;
    this.retriable = options.retriable ?? ERROR_CODES[code].retriable;
    this.context = options.context ?? {};
  }

  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      retriable: this.retriable,
      context: this.context,
      cause: describeCause(this.cause),
    };
  }
}

/**
 * FENCED: a newer owner holds what this worker tried to write (a stream shard, a sink's
 * partitions). `shard` names the stream shard when there is one, so a joint commit can drop it
 * and commit the rest.
 */
export class FencedError extends LakehouseError {
  readonly shard: number | undefined;

  constructor(message: string, options: ErrorOptions & { shard?: number } = {}) {
    super("FENCED", message, options);
    this.name = "FencedError";
    this.shard = options.shard;
  }
}

function describeCause(cause: unknown): unknown {
  if (cause === undefined) return undefined;
  if (cause instanceof LakehouseError) return cause.toJSON();
  if (cause instanceof Error) return { name: cause.name, message: cause.message };
  if (typeof cause === "string") return cause;
  return JSON.stringify(cause) ?? typeof cause;
}

/** Socket-level failures that mean "the other side is not there (yet)". */
const TRANSIENT_NET_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "ECONNABORTED",
  "UND_ERR_SOCKET",
  "UND_ERR_CONNECT_TIMEOUT",
]);

const PG_CONNECTION_LOST =
  /^(Connection terminated|Client has encountered a connection error|timeout exceeded when trying to connect)/;

/**
 * Postgres SQLSTATEs worth retrying: connection exceptions (08), operator intervention such as
 * an admin shutdown during a restart (57P01-57P03), serialization failure and deadlock.
 */
function isRetriablePgState(state: string): boolean {
  return state.startsWith("08") || ["57P01", "57P02", "57P03", "40001", "40P01", "53300"].includes(state);
}

/**
 * Whether an operation that threw `err` may succeed if tried again. Understands our own errors
 * and the shapes thrown by node's net stack, pg, kafkajs, the AWS SDK and the Mongo driver.
 */
export function isRetriable(err: unknown): boolean {
  if (err instanceof LakehouseError) return err.retriable;
  if (typeof err !== "object" || err === null) return false;
  const e = err as Record<string, unknown> & { cause?: unknown };
  if (typeof e.code === "string") {
    if (TRANSIENT_NET_CODES.has(e.code)) return true;
    if (/^[0-9A-Z]{5}$/.test(e.code)) return isRetriablePgState(e.code);
  }
  // node-postgres reports a dropped connection (a Postgres restart) without any code.
  if (e instanceof Error && PG_CONNECTION_LOST.test(e.message)) return true;
  // kafkajs marks its own errors; the AWS SDK marks throttling and 5xx.
  if (e.retriable === true) return true;
  const meta = e.$metadata as { httpStatusCode?: number } | undefined;
  if (e.$retryable !== undefined) return true;
  if (meta?.httpStatusCode !== undefined && meta.httpStatusCode >= 500) return true;
  // The Mongo driver labels errors that are safe to retry.
  const hasLabel = e.hasErrorLabel as ((label: string) => boolean) | undefined;
  if (typeof hasLabel === "function" && hasLabel.call(err, "RetryableWriteError")) return true;
  if (e.name === "MongoServerSelectionError" || e.name === "MongoNetworkError") return true;
  if (e.name === "KafkaJSConnectionError" || e.name === "KafkaJSNumberOfRetriesExceeded") return true;
  // AggregateError from a dual-stack connect: retriable if any part is.
  if (Array.isArray(e.errors) && e.errors.some(isRetriable)) return true;
  return e.cause !== undefined && e.cause !== err && isRetriable(e.cause);
}

/** A listen() that found its port taken, as one line naming what to change; anything else as it is. */
export function portInUse(err: Error, port: number, change: string, what = "port"): Error {
  return (err as NodeJS.ErrnoException).code === "EADDRINUSE"
    ? new LakehouseError("CONFIG_INVALID", `${what} ${port} is in use: choose another with ${change}`)
    : err;
}

/** Starts an HTTP server (Fastify's listen); a port in use is one line naming `change`. */
export async function listenOn(
  app: { listen(options: { port: number; host: string }): Promise<string> },
  port: number,
  host: string,
  change: string,
): Promise<string> {
  try {
    return await app.listen({ port, host });
  } catch (err) {
    throw portInUse(err as Error, port, change);
  }
}
