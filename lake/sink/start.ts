/**
 * Starting the lake sink on any log and store: the one code path of `sink run` (Kafka, S3 or
 * a directory) and `lakehouse demo` (the in-process log, a local directory).
 */
import type { LogConsumer, RebalanceHandlers } from "../../core/eventlog/port.ts";
import { ALL_TOPICS } from "../../core/events/topics.ts";
import { LakeSink, type SinkOptions, type SinkStats } from "./sink.ts";

export interface SinkDeps extends SinkOptions {
  /** Joins the consumer group for these topics with these rebalance handlers. */
  join: (topics: string[], handlers: RebalanceHandlers) => Promise<LogConsumer>;
}

export interface RunningSink {
  consumer: LogConsumer;
  /** Live counters: records, rows, files. */
  stats: SinkStats;
  /** Resolves when `signal` has stopped the sink, its batch in flight committed and its consumer closed. */
  done: Promise<SinkStats>;
}

export async function startLakeSink(deps: SinkDeps, signal: AbortSignal): Promise<RunningSink> {
  const sink = new LakeSink(deps);
  const topics = [...ALL_TOPICS];
  deps.logger.info(
    { lake: deps.store.uri, group: deps.group, rotation: deps.rotation },
    `lake sink: ${topics.join(", ")} -> ${deps.store.uri}`,
  );
  const consumer = await deps.join(topics, sink.handlers);
  const done = sink.run(consumer, signal).finally(() => consumer.close());
  return { consumer, stats: sink.stats, done };
}
