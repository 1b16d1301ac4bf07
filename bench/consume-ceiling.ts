/**
 * The ceiling of a Kafka stage on this box, measured in the same run as the stage: the
 * project's own consumer adapter (KafkaLogConsumer, the same settings and poll size as the
 * workers) reading the benchmark's topics from the start, doing nothing with the records.
 */
import { KafkaLogConsumer } from "../core/eventlog/kafka-consumer.ts";
import type { Logger } from "../core/logger.ts";

export async function consumeCeiling(options: {
  brokers: string[];
  topicPrefix: string;
  topics: readonly string[];
  /** Records in the topics: the read stops once it has them all. */
  total: number;
  batchSize: number;
  logger: Logger;
}): Promise<{ recordsPerSecond: number; seconds: number; bytes: number }> {
  const consumer = await KafkaLogConsumer.connect({
    brokers: options.brokers,
    group: `${options.topicPrefix}ceiling`,
    topics: options.topics,
    topicPrefix: options.topicPrefix,
    logger: options.logger,
    handlers: {
      onAssigned: async (parts) => parts.map((p) => ({ ...p, offset: -1 })),
      onRevoked: async () => {},
    },
  });
  try {
    let n = 0;
    let bytes = 0;
    let started = 0;
    while (n < options.total) {
      const records = await consumer.poll(options.batchSize);
      if (records.length > 0 && started === 0) started = performance.now();
      n += records.length;
      for (const r of records) bytes += r.value?.length ?? 0; // touched, so not optimised away
    }
    const seconds = (performance.now() - started) / 1000;
    return { recordsPerSecond: Math.round(n / seconds), seconds, bytes };
  } finally {
    await consumer.close();
  }
}
