/**
 * One error type for the whole pipeline. Every failure that crosses a module boundary is a
 * LakehouseError with a stable code, so retry loops, the DLQ and the API can decide what to
 * do from `code` and `retriable` instead of parsing messages.
 */

/** Every code, with whether retrying the same operation can succeed. */
export const ERROR_CODES = {
  CONFIG_INVALID: { retriable: false },
  VALIDATION_FAILED: { retriable: false },
  NOT_FOUND: { retriable: false },
  CONFLICT: { retriable: false },
  PAYLOAD_TOO_LARGE: { retriable: false },
  UNAUTHORIZED: { retriable: false },
  /** A server we depend on (Kafka, Postgres, S3, Mongo) did not answer or refused. */
  SERVICE_UNAVAILABLE: { retriable: true },
  /** A write lost a race (serialization failure, offset fence) and must be redone from fresh state. */
  WRITE_CONFLICT: { retriable: true },
  /** This worker no longer owns what it tried to commit (lost partitions in a rebalance). */
  FENCED: { retriable: false },
  TIMEOUT: { retriable: true },
  DATA_TEST_FAILED: { retriable: false },
  INTERNAL: { retriable: false },
} as const satisfies Record<string, { retriable: boolean }>;

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

/** Wraps anything thrown into a LakehouseError, keeping the original as `cause`. */
export function toLakehouseError(err: unknown, fallback: ErrorCode, context?: Record<string, unknown>) {
  if (err instanceof LakehouseError) return err;
  const message = err instanceof Error ? err.message : String(err);
  const code: ErrorCode = isRetriable(err) && fallback === "INTERNAL" ? "SERVICE_UNAVAILABLE" : fallback;
  return new LakehouseError(code, message, { cause: err, context, retriable: isRetriable(err) });
}
