/**
 * Reading exactly what was written between two moments: snapshot the high watermarks, write,
 * snapshot again, read the range. For tests and for inspecting a topic (the DLQ) from tools.
 */
import { randomUUID } from "node:crypto";
import type { Admin } from "kafkajs";
import Kafka from "node-rdkafka";
import type { Logger } from "../logger.ts";

/** topic -> partition -> next offset. */
export type Watermarks = Map<string, Map<number, number>>;

export interface RangeRecord {
  topic: string;
  partition: number;
  offset: number;
  key: string;
  value: Buffer;
}

export async function watermarks(admin: Admin, topics: readonly string[]): Promise<Watermarks> {
  const result: Watermarks = new Map();
  for (const topic of topics) {
    const offsets = await admin.fetchTopicOffsets(topic);
    result.set(topic, new Map(offsets.map((o) => [o.partition, Number(o.high)])));
  }
  return result;
}

/**
 * Every record between two snapshots of the same topics, in partition-offset order. Read with
 * librdkafka, which decompresses every codec (kafkajs cannot read LZ4, our producer's default).
 */
export async function readRange(
  brokers: string[],
  from: Watermarks,
  to: Watermarks,
  logger: Logger,
  timeoutMs = 60_000,
) {
  const assignments: { topic: string; partition: number; offset: number }[] = [];
  const ends = new Map<string, number>();
  let expected = 0;
  for (const [topic, parts] of to) {
    for (const [partition, high] of parts) {
      const low = from.get(topic)?.get(partition) ?? 0;
      ends.set(`${topic}/${partition}`, high);
      if (high > low) {
        assignments.push({ topic, partition, offset: low });
        expected += high - low;
      }
    }
  }
  const records: RangeRecord[] = [];
  if (expected === 0) return records;
  const consumer = new Kafka.KafkaConsumer(
    {
      "group.id": `range-${randomUUID()}`,
      "metadata.broker.list": brokers.join(","),
      "enable.auto.commit": false,
    },
    { "auto.offset.reset": "earliest" },
  );
  consumer.on("event.error", (err) => logger.warn({ err: err.message }, "range reader"));
  await new Promise<void>((resolve, reject) =>
    consumer.connect({ timeout: 10_000 }, (err) => (err ? reject(new Error(err.message)) : resolve())),
  );
  try {
    consumer.assign(assignments);
    const deadline = Date.now() + timeoutMs;
    while (records.length < expected) {
      if (Date.now() > deadline)
        throw new Error(`read ${records.length} of ${expected} records before the timeout`);
      const batch = await new Promise<Kafka.Message[]>((resolve, reject) =>
        consumer.consume(10_000, (err, messages) =>
          err ? reject(new Error(err.message)) : resolve(messages),
        ),
      );
      for (const m of batch) {
        if (m.offset >= (ends.get(`${m.topic}/${m.partition}`) ?? 0)) continue;
        records.push({
          topic: m.topic,
          partition: m.partition,
          offset: m.offset,
          key: m.key?.toString() ?? "",
          value: m.value ?? Buffer.alloc(0),
        });
      }
    }
  } finally {
    await new Promise<void>((resolve) => consumer.disconnect(() => resolve()));
  }
  return records.sort(
    (a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition || a.offset - b.offset,
  );
}
