/**
 * LogProducer on Kafka through librdkafka (node-rdkafka): idempotent, acks=all, our own
 * Java-compatible partitioner; batching, lingering, compression and pipelining are done
 * natively. Chosen by measurement over kafkajs and @platformatic/kafka (docs/decisions.md D8).
 *
 * Messages never time out (message.timeout.ms=0): while the broker is away librdkafka keeps
 * retrying with backoff and this adapter logs what it waits for.
 *
 * Two librdkafka producers, created on first use, because delivery reports are configured per
 * producer and cost ~8 us each in JS:
 * - `send` (exact acknowledgement) gets a report per record. Reports of one partition arrive
 *   in produce order, so a FIFO per topic-partition of pending sends says which send each
 *   report completes (a per-message opaque would cost a V8 handle per record).
 * - `enqueue` (bulk) asks for reports of failures only; success is known when flush() has
 *   drained the queue with no failure reported, as with the Java producer's send + flush.
 */
import Kafka from "node-rdkafka";
import { LakehouseError } from "../errors.ts";
import type { Logger } from "../logger.ts";
import { retry, sleep } from "../retry.ts";
import { partitionOf } from "./partitioner.ts";
import type { LogProducer, LogRecord } from "./port.ts";

export const CODECS = ["none", "gzip", "snappy", "lz4", "zstd"] as const;
export type Codec = (typeof CODECS)[number];

export interface KafkaProducerOptions {
  brokers: string[];
  clientId?: string;
  codec?: Codec;
  logger: Logger;
  /** Records the bulk producer buffers locally before enqueue() reports it full. */
  maxQueuedRecords?: number;
  /**
   * Kafka topic names are this prefix + the SPEC names the records carry (tests, benchmarks,
   * several shops on one cluster). Only this adapter sees the prefixed names.
   */
  topicPrefix?: string;
}

interface Pending {
  remaining: number;
  error: unknown;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/** A FIFO of the sends that records of one partition belong to, in produce order. */
class PendingQueue {
  private items: Pending[] = [];
  private head = 0;

  push(p: Pending): void {
    this.items.push(p);
  }

  shift(): Pending | undefined {
    const p = this.items[this.head++];
    // Compact now and then instead of Array#shift (O(n)) per delivery.
    if (this.head > 4096 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return p;
  }
}

const { ERR__QUEUE_FULL } = Kafka.CODES.ERRORS;
/** Metadata lookups for a topic not visible yet: about 5 s in all before NOT_FOUND. */
const METADATA_ATTEMPTS = 6;

/**
 * librdkafka reports plain objects, not Errors: give them our code and retriable flag. When
 * librdkafka does not say, a client-level failure (flush, metadata) counts as retriable and
 * a refused record as not: with retries unbounded, a refusal is final.
 */
function kafkaError(err: Kafka.LibrdKafkaError, what: string, retriableUnlessSaid = true): LakehouseError {
  return new LakehouseError("SERVICE_UNAVAILABLE", `${what}: ${err.message}`, {
    cause: err,
    retriable: err.isRetriable ?? retriableUnlessSaid,
  });
}

const refused = (err: Kafka.LibrdKafkaError) => kafkaError(err, "kafka refused a record", false);

/**
 * The key and its partition, the same way on every path. The key goes to librdkafka as the
 * string (it copies the UTF-8 itself): a Buffer per record cost more than the hash.
 */
function placed(record: LogRecord, partitions: number): { key: string; partition: number } {
  return { key: record.key, partition: partitionOf(record, partitions) };
}

export class KafkaProducer implements LogProducer {
  private readonly brokers: string;
  private acked: Promise<Kafka.Producer> | undefined;
  private bulk: Kafka.Producer | undefined;
  private bulkConnecting: Promise<Kafka.Producer> | undefined;
  private bulkFailure: LakehouseError | undefined;
  /** Records enqueue() could not hand to librdkafka yet (queue full, topic unknown). */
  private overflow: LogRecord[] = [];
  private readonly partitionCounts = new Map<string, number>();
  private readonly lookups = new Map<string, Promise<number>>();
  private readonly queues = new Map<string, PendingQueue[]>();
  private lastWaitLog = 0;

  private readonly prefix: string;

  private constructor(private readonly options: KafkaProducerOptions) {
    this.brokers = options.brokers.join(",");
    this.prefix = options.topicPrefix ?? "";
  }

  /** Connects once (with retries and backoff) so a wrong address fails here, not mid-run. */
  static async connect(options: KafkaProducerOptions): Promise<KafkaProducer> {
    const producer = new KafkaProducer(options);
    await producer.bulkProducer();
    return producer;
  }

  // ------------------------------------------------------------------ send (exact acks)

  async send(records: readonly LogRecord[]): Promise<void> {
    if (records.length === 0) return;
    const producer = await (this.acked ??= this.open(false));
    let pending!: Pending;
    const done = new Promise<void>((resolve, reject) => {
      pending = { remaining: records.length, error: undefined, resolve, reject };
    });
    for (const r of records) {
      const partitions = this.partitionCounts.get(r.topic) ?? (await this.partitionCount(r.topic));
      const queues = this.queuesOf(r.topic, partitions);
      const { key, partition } = placed(r, partitions);
      while (!this.tryProduce(producer, r.topic, partition, r.value, key)) await sleep(5);
      queues[partition]!.push(pending);
    }
    return done;
  }

  private queuesOf(topic: string, partitions: number): PendingQueue[] {
    let queues = this.queues.get(topic);
    if (!queues)
      this.queues.set(topic, (queues = Array.from({ length: partitions }, () => new PendingQueue())));
    return queues;
  }

  private onAckedReport(err: Kafka.LibrdKafkaError | null, report: Kafka.DeliveryReport): void {
    const pending = this.queues.get(report.topic.slice(this.prefix.length))?.[report.partition]?.shift();
    if (pending === undefined) {
      this.options.logger.error(
        { topic: report.topic, partition: report.partition },
        "delivery report for a record never sent",
      );
      return;
    }
    if (err) pending.error ??= refused(err);
    if (--pending.remaining === 0) {
      if (pending.error === undefined) pending.resolve();
      else pending.reject(pending.error);
    }
  }

  // ------------------------------------------------------------------ enqueue (bulk)

  enqueue(record: LogRecord): boolean {
    if (this.bulkFailure) throw this.bulkFailure;
    const partitions = this.partitionCounts.get(record.topic);
    if (this.overflow.length > 0 || this.bulk === undefined || partitions === undefined) {
      this.overflow.push(record);
      return false;
    }
    const { key, partition } = placed(record, partitions);
    if (this.tryProduce(this.bulk, record.topic, partition, record.value, key)) return true;
    this.overflow.push(record);
    return false;
  }

  /** Hands the overflow to librdkafka, waiting for metadata or queue space as needed. */
  async waitForRoom(): Promise<void> {
    const producer = await this.bulkProducer();
    while (this.overflow.length > 0) {
      if (this.bulkFailure) throw this.bulkFailure;
      const record = this.overflow[0]!;
      const partitions = this.partitionCounts.get(record.topic) ?? (await this.partitionCount(record.topic));
      const { key, partition } = placed(record, partitions);
      if (this.tryProduce(producer, record.topic, partition, record.value, key)) this.overflow.shift();
      else await sleep(2);
    }
  }

  async flush(): Promise<void> {
    await this.waitForRoom();
    for (const producer of [this.bulk, this.acked === undefined ? undefined : await this.acked]) {
      if (producer)
        await new Promise<void>((resolve, reject) =>
          producer.flush(-1, (err) => {
            if (err) reject(kafkaError(err, "kafka flush failed"));
            else resolve();
          }),
        );
    }
    // Error reports are dispatched by the poll loop; one more poll makes sure none is pending.
    this.bulk?.poll();
    if (this.bulkFailure) throw this.bulkFailure;
  }

  async close(): Promise<void> {
    try {
      await this.flush();
    } finally {
      for (const producer of [
        this.bulk,
        this.acked === undefined ? undefined : await this.acked.catch(() => undefined),
      ]) {
        if (producer) await new Promise<void>((resolve) => producer.disconnect(() => resolve()));
      }
    }
  }

  // ------------------------------------------------------------------ shared

  private bulkProducer(): Promise<Kafka.Producer> {
    if (this.bulk) return Promise.resolve(this.bulk);
    return (this.bulkConnecting ??= this.open(true).then((p) => (this.bulk = p)));
  }

  private tryProduce(
    producer: Kafka.Producer,
    topic: string,
    partition: number,
    value: Buffer,
    key: string,
  ): boolean {
    try {
      producer.produce(this.prefix + topic, partition, value, key);
      return true;
    } catch (err) {
      if ((err as { code?: number }).code === ERR__QUEUE_FULL) return false;
      throw err;
    }
  }

  private async open(bulk: boolean): Promise<Kafka.Producer> {
    const producer = new Kafka.Producer(
      {
        "client.id": `${this.options.clientId ?? "lakehouse-producer"}${bulk ? "-bulk" : ""}`,
        "metadata.broker.list": this.brokers,
        "enable.idempotence": true,
        "compression.codec": this.options.codec ?? "lz4",
        "linger.ms": 5,
        "batch.num.messages": 100_000,
        "batch.size": 1_000_000,
        "queue.buffering.max.messages": this.options.maxQueuedRecords ?? 500_000,
        "queue.buffering.max.kbytes": 1_048_576,
        "retry.backoff.ms": 200,
        "retry.backoff.max.ms": 5000,
        "reconnect.backoff.ms": 200,
        "reconnect.backoff.max.ms": 10_000,
        dr_cb: true,
        "delivery.report.only.error": bulk,
      },
      { "request.required.acks": -1, "message.timeout.ms": 0 },
    );
    producer.on("delivery-report", (err, report) => {
      if (!bulk) this.onAckedReport(err, report);
      else if (err) this.bulkFailure ??= refused(err);
    });
    producer.on("event.error", (err) => this.logWait(err));
    await retry(
      () =>
        new Promise<void>((resolve, reject) =>
          producer.connect({ timeout: 5000 }, (err) =>
            err ? reject(new LakehouseError("SERVICE_UNAVAILABLE", err.message, { cause: err })) : resolve(),
          ),
        ),
      { what: `kafka at ${this.brokers}`, logger: this.options.logger, maxDelayMs: 10_000 },
    );
    producer.setPollInterval(5);
    return producer;
  }

  /** Transport errors repeat every few hundred ms while a broker is down: log one a while. */
  private logWait(err: Kafka.LibrdKafkaError): void {
    const now = Date.now();
    if (now - this.lastWaitLog < 5000) return;
    this.lastWaitLog = now;
    this.options.logger.warn(
      { code: err.code, err: err.message },
      `waiting for kafka at ${this.brokers}: ${err.message}; librdkafka retries`,
    );
  }

  private partitionCount(topic: string): Promise<number> {
    let lookup = this.lookups.get(topic);
    const kafkaTopic = this.prefix + topic;
    if (!lookup) {
      lookup = this.bulkProducer().then(async (producer) => {
        // A topic created a moment ago can be missing from the broker's metadata for a while
        // (seen right after a broker start): look a few times before calling it missing.
        for (let attempt = 0; ; attempt++) {
          const metadata = await new Promise<Kafka.Metadata>((resolve, reject) => {
            producer.getMetadata({ topic: kafkaTopic, timeout: 10_000 }, (err, data: Kafka.Metadata) => {
              if (err) reject(kafkaError(err, `kafka metadata for ${kafkaTopic}`));
              else resolve(data);
            });
          });
          const count = metadata.topics.find((t) => t.name === kafkaTopic)?.partitions.length ?? 0;
          if (count > 0) {
            this.partitionCounts.set(topic, count);
            return count;
          }
          if (attempt >= METADATA_ATTEMPTS)
            throw new LakehouseError(
              "NOT_FOUND",
              `topic ${kafkaTopic} does not exist: run lakehouse topics create${this.prefix ? ` --topic-prefix ${this.prefix}` : ""}`,
            );
          await sleep(250 * (attempt + 1));
        }
      });
      this.lookups.set(topic, lookup);
      // A missing topic may exist later, after `topics create`.
      lookup.catch(() => this.lookups.delete(topic));
    }
    return lookup;
  }
}
