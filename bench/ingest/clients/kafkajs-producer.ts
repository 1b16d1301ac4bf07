/**
 * LogProducer on kafkajs, kept only so bench/ingest/kafka-clients.ts can compare it with the
 * librdkafka producer the pipeline uses (docs/decisions.md D8).
 */
import { CompressionTypes, type Producer } from "kafkajs";
import { kafkaClient } from "../../../core/eventlog/kafkajs-client.ts";
import type { Codec } from "../../../core/eventlog/kafka-producer.ts";
import { partitionFor } from "../../../core/eventlog/partitioner.ts";
import type { LogRecord } from "../../../core/eventlog/port.ts";
import type { BenchProducer } from "./batcher.ts";
import type { Logger } from "../../../core/logger.ts";

const CODECS: Partial<Record<Codec, CompressionTypes>> = {
  none: CompressionTypes.None,
  gzip: CompressionTypes.GZIP,
};

export class KafkajsProducer implements BenchProducer {
  private readonly partitions = new Map<string, number>();

  private constructor(
    private readonly producer: Producer,
    private readonly compression: CompressionTypes,
    private readonly partitionCount: (topic: string) => Promise<number>,
    private readonly closeAdmin: () => Promise<void>,
  ) {}

  static async connect(options: { brokers: string[]; codec: Codec; logger: Logger }) {
    const compression = CODECS[options.codec];
    if (compression === undefined) throw new Error(`kafkajs has no built-in ${options.codec} codec`);
    const kafka = kafkaClient(options.brokers, "bench-kafkajs", options.logger);
    const producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 5,
      allowAutoTopicCreation: false,
      retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 300, maxRetryTime: 30_000 },
    });
    await producer.connect();
    const admin = kafka.admin();
    await admin.connect();
    // One lookup per topic, shared by concurrent sends.
    const lookups = new Map<string, Promise<number>>();
    const partitionCount = (topic: string) => {
      let lookup = lookups.get(topic);
      if (!lookup) {
        lookup = admin.fetchTopicMetadata({ topics: [topic] }).then((m) => m.topics[0]!.partitions.length);
        lookups.set(topic, lookup);
      }
      return lookup;
    };
    return new KafkajsProducer(producer, compression, partitionCount, () => admin.disconnect());
  }

  async send(records: readonly LogRecord[]): Promise<void> {
    const byTopic = new Map<string, { key: Buffer; value: Buffer; partition: number }[]>();
    for (const r of records) {
      let partitions = this.partitions.get(r.topic);
      if (partitions === undefined)
        this.partitions.set(r.topic, (partitions = await this.partitionCount(r.topic)));
      const key = Buffer.from(r.key);
      const messages = byTopic.get(r.topic) ?? [];
      messages.push({ key, value: r.value, partition: partitionFor(key, partitions) });
      byTopic.set(r.topic, messages);
    }
    await this.producer.sendBatch({
      acks: -1,
      compression: this.compression,
      topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
    });
  }

  async close(): Promise<void> {
    await this.producer.disconnect();
    await this.closeAdmin();
  }
}
