/**
 * LogProducer on @platformatic/kafka (the 1.x line, the last that runs on Node 20), kept only
 * for bench/ingest/kafka-clients.ts (docs/decisions.md D8). Same contract as the pipeline's
 * producer: idempotent, acks=all, our partitioner.
 */
import { ProduceAcks, Producer } from "@platformatic/kafka";
import { LakehouseError } from "../../../core/errors.ts";
import type { Logger } from "../../../core/logger.ts";
import { retry } from "../../../core/retry.ts";
import type { Codec } from "../../../core/eventlog/kafka-producer.ts";
import { partitionFor } from "../../../core/eventlog/partitioner.ts";
import type { LogRecord } from "../../../core/eventlog/port.ts";
import type { BenchProducer } from "./batcher.ts";

export class PlatformaticProducer implements BenchProducer {
  private readonly partitions = new Map<string, number>();
  /**
   * Its idempotent producer fails with OUT_OF_ORDER_SEQUENCE_NUMBER when sends overlap, so
   * sends are chained one after another (one request in flight).
   */
  private chain: Promise<void> = Promise.resolve();

  private constructor(
    private readonly producer: Producer<Buffer, Buffer, Buffer, Buffer>,
    private readonly codec: Codec,
  ) {}

  static async connect(options: { brokers: string[]; clientId?: string; codec?: Codec; logger: Logger }) {
    const producer = new Producer<Buffer, Buffer, Buffer, Buffer>({
      clientId: options.clientId ?? "lakehouse-producer",
      bootstrapBrokers: options.brokers,
      idempotent: true,
      acks: ProduceAcks.ALL,
      retries: 10,
      retryDelay: 300,
      autocreateTopics: false,
    });
    await retry(() => producer.metadata({ topics: [] }), {
      what: `kafka at ${options.brokers.join(",")}`,
      logger: options.logger,
      retriable: () => true,
    });
    return new PlatformaticProducer(producer, options.codec ?? "none");
  }

  send(records: readonly LogRecord[]): Promise<void> {
    const next = this.chain.then(() => this.sendNow(records));
    this.chain = next.catch(() => {});
    return next;
  }

  private async sendNow(records: readonly LogRecord[]): Promise<void> {
    if (records.length === 0) return;
    const messages = [];
    for (const r of records) {
      const partitions = this.partitions.get(r.topic) ?? (await this.partitionCount(r.topic));
      const key = Buffer.from(r.key);
      messages.push({ topic: r.topic, key, value: r.value, partition: partitionFor(key, partitions) });
    }
    if (this.codec === "zstd") throw new Error("zstd needs Node 22's zlib");
    await this.producer.send({ messages, ...(this.codec === "none" ? {} : { compression: this.codec }) });
  }

  private async partitionCount(topic: string): Promise<number> {
    const metadata = await this.producer.metadata({ topics: [topic] });
    const count = metadata.topics.get(topic)?.partitionsCount ?? 0;
    if (count === 0)
      throw new LakehouseError("NOT_FOUND", `topic ${topic} does not exist: run lakehouse topics create`);
    this.partitions.set(topic, count);
    return count;
  }

  async close(): Promise<void> {
    await this.producer.close();
  }
}
