/**
 * Starting the stream worker on any log and database: the one code path of `stream run`
 * (Kafka, Postgres) and `lakehouse demo` (the in-process log, PGlite).
 */
import type { Sql } from "../core/db/sql.ts";
import type { LogConsumer, LogProducer, RebalanceHandlers } from "../core/eventlog/port.ts";
import type { Logger } from "../core/logger.ts";
import { ProductCache } from "./postgres/products.ts";
import { StreamWorker, type StreamOptions, type StreamStats } from "./worker.ts";

export interface StreamDeps {
  sql: Sql;
  /** Where dead letters go. */
  dlq: LogProducer;
  /** Joins the consumer group for these topics with these rebalance handlers. */
  join: (topics: string[], handlers: RebalanceHandlers) => Promise<LogConsumer>;
  options: StreamOptions;
  logger: Logger;
}

export interface RunningStream {
  consumer: LogConsumer;
  /** Resolves when `signal` has stopped the worker, its last batch committed and its consumer closed. */
  done: Promise<StreamStats>;
}

export async function startStreamWorker(deps: StreamDeps, signal: AbortSignal): Promise<RunningStream> {
  const products = await ProductCache.load(deps.sql);
  deps.logger.info(`loaded ${products.size} products`);
  const worker = new StreamWorker(deps.sql, products, deps.dlq, deps.options, deps.logger);
  const consumer = await deps.join(worker.topics, worker.handlers);
  const done = worker.run(consumer, signal).finally(() => consumer.close());
  return { consumer, done };
}
