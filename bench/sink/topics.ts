/**
 * The sink benchmarks' data: the SPEC topics under a fresh prefix, a generated backfill
 * produced to them, and their removal afterwards.
 */
import { randomBytes } from "node:crypto";
import { KafkaAdmin } from "../../core/eventlog/kafka-admin.ts";
import { KafkaProducer } from "../../core/eventlog/kafka-producer.ts";
import type { Logger } from "../../core/logger.ts";
import { simulatorFor, type GenerateOptions } from "../../ingest/generate.ts";
import { DEFAULT_TOPIC_OPTIONS, topicSpecs } from "../../ingest/topics.ts";

/** Creates the prefixed topics and produces the workload; returns the prefix and the count. */
export async function producedTopics(
  brokers: string[],
  options: GenerateOptions,
  logger: Logger,
): Promise<{ prefix: string; produced: number }> {
  const prefix = `bench-${randomBytes(3).toString("hex")}.`;
  const admin = await KafkaAdmin.connect(brokers, logger, prefix);
  await admin.createTopics(topicSpecs(DEFAULT_TOPIC_OPTIONS));
  await admin.close();
  const producer = await KafkaProducer.connect({ brokers, logger });
  let produced = 0;
  for (const e of simulatorFor(options).events()) {
    // false = taken, but the buffer is full: wait before the next (never enqueue the same again).
    if (
      !producer.enqueue({ topic: prefix + e.topic, key: e.key, value: Buffer.from(JSON.stringify(e.value)) })
    )
      await producer.waitForRoom();
    produced++;
  }
  await producer.close();
  console.log(`produced ${produced} events to ${prefix}*`);
  return { prefix, produced };
}

export async function removeTopics(brokers: string[], prefix: string, logger: Logger): Promise<void> {
  const admin = await KafkaAdmin.connect(brokers, logger);
  await admin.deleteTopicsWithPrefix(prefix).finally(() => admin.close());
}
