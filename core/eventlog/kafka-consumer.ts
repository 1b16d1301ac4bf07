/**
 * LogConsumer on librdkafka (node-rdkafka): it reads every codec (kafkajs cannot read LZ4),
 * batches fetches natively, and lets the application decide when partitions change hands. The
 * range assignor gives partition N of every topic to the same member, which is the stream
 * layer's co-partitioning (SPEC section 3) for equally partitioned topics (D8).
 *
 * Rebalances are handled by us, not librdkafka's default: on revocation the handler runs (the
 * sink flushes and commits) before the partitions are released; on assignment the handler
 * runs (cleanup of a dead owner's leftovers) before the first record is fetched. Records of a
 * partition being revoked are dropped, never delivered to the application, and so is a record
 * below the next one expected in the same assignment: librdkafka can fetch a partition again
 * from an older position (a stale fetch start, librdkafka#4637; after a broker restart the chaos
 * run once found a batch's last record again at the head of the next file), and the sink would
 * write such a record twice.
 *
 * Everything above this adapter names topics as SPEC section 3 does; the prefix of the Kafka
 * names (`topicPrefix`) is added and stripped here only.
 */
import Kafka from "node-rdkafka";
import { FencedError, LakehouseError } from "../errors.ts";
import { retry } from "../retry.ts";
import type { Logger } from "../logger.ts";
import { counter } from "../metrics.ts";
import type {
  ConsumedRecord,
  LogConsumer,
  PartitionOffset,
  RebalanceHandlers,
  TopicPartition,
} from "./port.ts";

const ASSIGN = -175;
const REVOKE = -174;
/** librdkafka's logical offset for "the oldest record still in the log". */
const OFFSET_BEGINNING = -2;
/** Errors meaning "this member's generation is gone": its commits must not land. */
const FENCING_CODES = new Set([
  22 /* ILLEGAL_GENERATION */, 25 /* UNKNOWN_MEMBER_ID */, 27 /* REBALANCE_IN_PROGRESS */,
  82 /* FENCED_INSTANCE_ID */,
]);
/** librdkafka's ERR__FATAL: the client instance is unusable and must be created again. */
const FATAL = -150;

export interface KafkaConsumerOptions {
  brokers: string[];
  group: string;
  topics: readonly string[];
  handlers: RebalanceHandlers;
  logger: Logger;
  /**
   * Static membership (group.instance.id): a restarted worker with the same id takes its
   * partitions back at once instead of waiting for the dead one's session to time out.
   */
  instanceId?: string;
  /** How long poll waits for records when there are none. */
  pollWaitMs?: number;
  /** Kafka topic names are this prefix + the names in `topics` (KAFKA_TOPIC_PREFIX). */
  topicPrefix?: string;
}

const key = (tp: TopicPartition) => `${tp.topic}/${tp.partition}`;

const redelivered = counter(
  "kafka_consumer_redelivered_total",
  "Records librdkafka fetched a second time within one assignment, dropped by the adapter",
);

export class KafkaLogConsumer implements LogConsumer {
  /** Partitions whose records are delivered. */
  private readonly owning = new Map<string, TopicPartition>();
  /** Partitions whose offsets may be committed: `owning` plus those being revoked right now. */
  private readonly committable = new Map<string, TopicPartition>();
  /** Per owned partition, the offset after the last record delivered in this assignment. */
  private readonly delivered = new Map<string, number>();
  private rebalancing: Promise<void> = Promise.resolve();
  private handlerFailure: LakehouseError | undefined;
  /** Set once librdkafka reported a fatal error: nothing done with this instance can succeed. */
  private fatal: string | undefined;
  private closed = false;
  private readonly prefix: string;

  private constructor(
    private readonly consumer: Kafka.KafkaConsumer,
    private readonly options: KafkaConsumerOptions,
  ) {
    this.prefix = options.topicPrefix ?? "";
  }

  /**
   * After a fatal error (seen after a broker restart: a static member fenced while its revoke
   * waited on a commit) librdkafka disconnects the instance for good. Retrying on it would wait
   * forever (a sink stalled for 11 minutes in the chaos run): the error is not retriable, so the
   * stage fails and its service starts again with a new consumer, its uncommitted work undone.
   */
  private unusable(): LakehouseError | undefined {
    const reason = this.closed
      ? "closed"
      : (this.fatal ?? (this.consumer.isConnected() ? undefined : "disconnected"));
    return reason === undefined
      ? undefined
      : new LakehouseError(
          "SERVICE_UNAVAILABLE",
          `kafka consumer is unusable (${reason}): it must be created again`,
          { retriable: false },
        );
  }

  private kafka(tp: TopicPartition): TopicPartition {
    return { topic: this.prefix + tp.topic, partition: tp.partition };
  }

  /** The SPEC name of a Kafka topic. */
  private spec(kafkaTopic: string): string {
    return kafkaTopic.slice(this.prefix.length);
  }

  static async connect(options: KafkaConsumerOptions): Promise<KafkaLogConsumer> {
    const consumer = new Kafka.KafkaConsumer(
      {
        "group.id": options.group,
        "metadata.broker.list": options.brokers.join(","),
        "enable.auto.commit": false,
        "enable.auto.offset.store": false,
        "partition.assignment.strategy": "range",
        "socket.keepalive.enable": true,
        "session.timeout.ms": 20_000,
        ...(options.instanceId ? { "group.instance.id": options.instanceId } : {}),
        "fetch.max.bytes": 64 * 1024 * 1024,
        // Smaller per-partition chunks spread each poll over every partition: the stream layer's
        // watermark (the slowest of a shard's topics) then moves every batch, and sessions open
        // and close within one commit instead of being written as state in between (measured:
        // a third fewer state writes than with the 1 MB default).
        "max.partition.fetch.bytes": 256 * 1024,
        // node-rdkafka's batch consume waits up to the poll timeout *per message* until it has
        // `max`: with a steady trickle it would hold records for seconds. An end-of-partition
        // event makes it return what it has at once (the stream layer's latency goal).
        "enable.partition.eof": true,
        // Keeps each partition's high watermark cached, for lag() and endOffsets() without a
        // broker round trip.
        "statistics.interval.ms": 1000,
        "queued.max.messages.kbytes": 128 * 1024,
        rebalance_cb: (err: Kafka.LibrdKafkaError, assignment: Kafka.Assignment[]) =>
          self.rebalance(err, assignment),
      },
      { "auto.offset.reset": "earliest" },
    );
    const self = new KafkaLogConsumer(consumer, options);
    const log = options.logger;
    consumer.on("event.error", (err) => {
      if (err.code === FATAL || (err as { isFatal?: boolean }).isFatal) self.fatal ??= err.message;
      log.warn({ err: err.message }, `waiting for kafka: ${err.message}`);
    });
    await new Promise<void>((resolve, reject) =>
      consumer.connect({ timeout: 30_000 }, (err) =>
        err
          ? reject(new LakehouseError("SERVICE_UNAVAILABLE", `kafka: ${err.message}`, { cause: err }))
          : resolve(),
      ),
    );
    consumer.setDefaultConsumeTimeout(options.pollWaitMs ?? 200);
    consumer.subscribe(options.topics.map((t) => (options.topicPrefix ?? "") + t));
    return self;
  }

  /** Rebalances run one after another, in the order librdkafka reported them. */
  private rebalance(err: Kafka.LibrdKafkaError, assignment: Kafka.Assignment[]): void {
    const parts = assignment.map((a) => ({ topic: this.spec(a.topic), partition: a.partition }));
    const log = this.options.logger;
    this.rebalancing = this.rebalancing.then(async () => {
      try {
        if (err.code === ASSIGN) {
          log.info({ partitions: parts.map(key) }, `assigned ${parts.length} partitions`);
          const starts = (await this.options.handlers.onAssigned(parts)) ?? [];
          const startOf = new Map(starts.map((s) => [key(s), s.offset < 0 ? OFFSET_BEGINNING : s.offset]));
          for (const p of parts) {
            this.owning.set(key(p), p);
            this.committable.set(key(p), p);
            this.delivered.delete(key(p));
          }
          this.consumer.assign(
            assignment.map((a) => {
              const offset = startOf.get(`${this.spec(a.topic)}/${a.partition}`);
              return offset === undefined ? a : { topic: a.topic, partition: a.partition, offset };
            }),
          );
        } else if (err.code === REVOKE) {
          log.info({ partitions: parts.map(key) }, `revoking ${parts.length} partitions`);
          for (const p of parts) {
            this.owning.delete(key(p));
            this.delivered.delete(key(p));
          }
          await this.options.handlers.onRevoked(parts);
          for (const p of parts) this.committable.delete(key(p));
          this.consumer.unassign();
        } else {
          log.error({ err: err.message }, "rebalance failed");
        }
      } catch (e) {
        log.error({ err: (e as Error).message }, "rebalance handler failed; giving the partitions up");
        this.owning.clear();
        this.committable.clear();
        if (this.consumer.isConnected()) this.consumer.unassign();
        // Nothing would assign them again while this member stays in the group: the next poll
        // fails, so the stage restarts (with backoff) and joins afresh.
        this.handlerFailure ??= new LakehouseError(
          "SERVICE_UNAVAILABLE",
          `rebalance handler failed: ${(e as Error).message}`,
          { cause: e },
        );
      }
    });
  }

  owned(): TopicPartition[] {
    return [...this.committable.values()];
  }

  lag(): Map<string, number> {
    const lag = new Map<string, number>();
    if (this.owning.size === 0 || !this.consumer.isConnected()) return lag;
    try {
      for (const p of this.consumer.position([...this.owning.values()].map((tp) => this.kafka(tp)))) {
        if (typeof p.offset !== "number" || p.offset < 0) continue;
        const { highOffset } = this.consumer.getWatermarkOffsets(p.topic, p.partition);
        const topic = this.spec(p.topic);
        if (highOffset >= p.offset) lag.set(topic, (lag.get(topic) ?? 0) + highOffset - p.offset);
      }
    } catch {
      // No statistics yet for a new partition: its lag is unknown for a few seconds.
    }
    return lag;
  }

  /**
   * From librdkafka's statistics (refreshed every second in the background, even while the
   * application is busy); a partition without figures yet is asked of the broker, which takes
   * ~100 ms a partition, too slow to do for all of them every second.
   */
  async endOffsets(partitions: readonly TopicPartition[]): Promise<PartitionOffset[]> {
    return Promise.all(
      partitions.map((p) => {
        try {
          const { highOffset } = this.consumer.getWatermarkOffsets(this.prefix + p.topic, p.partition);
          if (typeof highOffset === "number" && highOffset >= 0)
            return Promise.resolve({ topic: p.topic, partition: p.partition, offset: highOffset });
        } catch {
          // not in the statistics yet
        }
        return new Promise<PartitionOffset>((resolve, reject) => {
          this.consumer.queryWatermarkOffsets(this.prefix + p.topic, p.partition, 5000, (err, w) => {
            if (err)
              reject(
                new LakehouseError("SERVICE_UNAVAILABLE", `kafka watermarks: ${err.message}`, { cause: err }),
              );
            else resolve({ topic: p.topic, partition: p.partition, offset: w.highOffset });
          });
        });
      }),
    );
  }

  poll(max: number): Promise<ConsumedRecord[]> {
    if (this.handlerFailure) return Promise.reject(this.handlerFailure);
    if (this.closed) return Promise.resolve([]);
    const lost = this.unusable();
    if (lost) return Promise.reject(lost);
    return new Promise((resolve, reject) =>
      this.consumer.consume(max, (err, messages) => {
        if (err) {
          if (err.code === FATAL) this.fatal ??= err.message;
          return reject(
            this.unusable() ??
              new LakehouseError("SERVICE_UNAVAILABLE", `kafka: ${err.message}`, { cause: err }),
          );
        }
        const out: ConsumedRecord[] = [];
        let again = 0;
        for (const m of messages) {
          const topic = this.spec(m.topic);
          const at = `${topic}/${m.partition}`;
          if (!this.owning.has(at)) continue;
          const next = this.delivered.get(at);
          if (next !== undefined && m.offset < next) {
            again++;
            continue;
          }
          this.delivered.set(at, m.offset + 1);
          out.push({
            topic,
            partition: m.partition,
            offset: m.offset,
            timestamp: m.timestamp ?? 0,
            key: (m.key as Buffer | null | undefined) ?? null,
            value: m.value ?? null,
          });
        }
        if (again > 0) {
          redelivered.inc(again);
          this.options.logger.warn(
            { records: again },
            `kafka delivered ${again} records a second time; dropped (each is delivered once)`,
          );
        }
        resolve(out);
      }),
    );
  }

  async commit(offsets: readonly PartitionOffset[]): Promise<void> {
    const lost = offsets.filter((o) => !this.committable.has(key(o)));
    if (lost.length > 0)
      throw new FencedError(`no longer owns ${lost.map(key).join(", ")}`, { context: { lost } });
    const unusable = this.unusable();
    if (unusable) throw unusable;
    try {
      this.consumer.commitSync(
        offsets.map((o) => ({ topic: this.prefix + o.topic, partition: o.partition, offset: o.offset })),
      );
    } catch (err) {
      const code = (err as { code?: number }).code ?? 0;
      if (FENCING_CODES.has(code))
        throw new FencedError(`commit refused: ${(err as Error).message}`, { cause: err });
      // node-rdkafka throws this (no code) once the native handle is closing or gone.
      if (code === FATAL || /is disconnected/.test((err as Error).message))
        this.fatal ??= (err as Error).message;
      const lost = this.unusable();
      if (lost) throw lost;
      throw new LakehouseError("SERVICE_UNAVAILABLE", `commit failed: ${(err as Error).message}`, {
        cause: err,
      });
    }
  }

  committed(partitions: readonly TopicPartition[]): Promise<PartitionOffset[]> {
    return new Promise((resolve, reject) =>
      this.consumer.committed(
        partitions.map((p) => this.kafka(p)),
        15_000,
        (err, result) => {
          // A partition the broker could not answer for comes back as an Error in its place
          // (node-rdkafka), not as "never committed": reading it as -1 would make the sink
          // delete files whose offsets are committed.
          const failed =
            err ?? result.find((r) => (r as unknown) instanceof Error || typeof r.topic !== "string");
          if (failed)
            reject(
              new LakehouseError(
                "SERVICE_UNAVAILABLE",
                `kafka committed offsets: ${(failed as unknown as Error).message}`,
                {
                  cause: failed,
                },
              ),
            );
          else
            resolve(
              result.map((r) => ({
                topic: this.spec(r.topic),
                partition: r.partition,
                offset: typeof r.offset === "number" && r.offset >= 0 ? r.offset : -1,
              })),
            );
        },
      ),
    );
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await new Promise<void>((resolve) => this.consumer.disconnect(() => resolve()));
    await this.rebalancing;
  }
}

/**
 * A join for a stage's start (stream/start.ts, lake/sink/start.ts): connects a consumer to
 * `group`, waiting with backoff while Kafka is unreachable, until `signal` aborts.
 */
export const kafkaJoin =
  (options: Omit<KafkaConsumerOptions, "topics" | "handlers">, signal: AbortSignal) =>
  (topics: string[], handlers: RebalanceHandlers): Promise<KafkaLogConsumer> =>
    retry(() => KafkaLogConsumer.connect({ ...options, topics, handlers }), {
      what: `kafka at ${options.brokers.join(",")}`,
      logger: options.logger,
      signal,
    });
