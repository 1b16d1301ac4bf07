/** LogAdmin on Kafka through kafkajs's admin client. */
import type { Admin } from "kafkajs";
import type { Logger } from "../logger.ts";
import { retry } from "../retry.ts";
import { kafkaClient } from "./kafkajs-client.ts";
import { LakehouseError } from "../errors.ts";
import type { LogAdmin, PartitionOffset, TopicSpec } from "./port.ts";

export interface PartitionRange {
  partition: number;
  /** The oldest offset still in the log. */
  low: number;
  /** The next offset the log will write. */
  high: number;
}

/** A kafkajs failure as ours: one line, `what` (which server, what was asked) first. */
async function answered<T>(what: string, ask: () => Promise<T>): Promise<T> {
  try {
    return await ask();
  } catch (err) {
    if (err instanceof LakehouseError) throw err;
    throw new LakehouseError("SERVICE_UNAVAILABLE", `${what}: ${(err as Error).message}`, { cause: err });
  }
}

export class KafkaAdmin implements LogAdmin {
  /** Every method takes and returns SPEC names; `prefix` is added to them for Kafka here only. */
  private constructor(
    private readonly admin: Admin,
    private readonly prefix = "",
  ) {}

  /** The Kafka name of a SPEC topic, for messages and for readers below this adapter. */
  kafkaTopic(topic: string): string {
    return this.prefix + topic;
  }

  static async connect(brokers: string[], logger: Logger, prefix = ""): Promise<KafkaAdmin> {
    const admin = kafkaClient(brokers, "lakehouse-admin", logger).admin();
    await retry(() => admin.connect(), {
      what: `kafka at ${brokers.join(",")}`,
      logger,
      retriable: () => true,
      maxDelayMs: 10_000,
    });
    return new KafkaAdmin(admin, prefix);
  }

  /**
   * One attempt, no waiting: for commands that report what they see (`lakehouse status`) rather
   * than wait for Kafka to come back.
   */
  static async connectOnce(brokers: string[], logger: Logger, prefix = ""): Promise<KafkaAdmin> {
    // oneShot still retries twice: kafkajs finds a group's coordinator only on a second try.
    const admin = kafkaClient(brokers, "lakehouse-status", logger, true).admin();
    await answered(`kafka at ${brokers.join(",")}`, () => admin.connect());
    return new KafkaAdmin(admin, prefix);
  }

  /** Per existing topic, each partition's oldest retained offset and its end (high watermark). */
  partitionOffsets(topics: readonly string[]): Promise<Map<string, PartitionRange[]>> {
    return answered("kafka (offsets)", () => this.readPartitionOffsets(topics));
  }

  private async readPartitionOffsets(topics: readonly string[]): Promise<Map<string, PartitionRange[]>> {
    const existing = await this.describeTopics(topics);
    const result = new Map<string, PartitionRange[]>();
    for (const topic of topics) {
      if (!existing.has(topic)) continue;
      const offsets = await this.admin.fetchTopicOffsets(this.kafkaTopic(topic));
      result.set(
        topic,
        offsets
          .map((o) => ({ partition: o.partition, low: Number(o.low), high: Number(o.high) }))
          .sort((a, b) => a.partition - b.partition),
      );
    }
    return result;
  }

  /** The next offset a group committed per partition of each topic; -1 where it never committed. */
  async groupOffsets(group: string, topics: readonly string[]): Promise<PartitionOffset[]> {
    const found = await answered(`kafka (offsets of group ${group})`, () =>
      this.admin.fetchOffsets({ groupId: group, topics: topics.map((t) => this.kafkaTopic(t)) }),
    );
    return found.flatMap((t) =>
      t.partitions.map((p) => ({
        topic: t.topic.slice(this.prefix.length),
        partition: p.partition,
        offset: Number(p.offset),
      })),
    );
  }

  /** The group's state as the coordinator sees it, and how many members are in it now. */
  async groupMembers(group: string): Promise<{ state: string; members: string[] }> {
    const { groups } = await answered(`kafka (group ${group})`, () => this.admin.describeGroups([group]));
    const g = groups[0];
    return { state: g?.state ?? "Dead", members: (g?.members ?? []).map((m) => m.clientId) };
  }

  async describeTopics(topics: readonly string[]): Promise<Map<string, number>> {
    const existing = new Set(await this.admin.listTopics());
    const wanted = topics.map((t) => this.kafkaTopic(t)).filter((t) => existing.has(t));
    const result = new Map<string, number>();
    if (wanted.length === 0) return result;
    const metadata = await this.admin.fetchTopicMetadata({ topics: wanted });
    for (const t of metadata.topics) result.set(t.name.slice(this.prefix.length), t.partitions.length);
    return result;
  }

  async createTopics(specs: readonly TopicSpec[]): Promise<{ created: string[]; existing: string[] }> {
    const existing = await this.describeTopics(specs.map((s) => s.topic));
    const missing = specs.filter((s) => !existing.has(s.topic));
    if (missing.length > 0) {
      await this.admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((s) => ({
          topic: this.kafkaTopic(s.topic),
          numPartitions: s.partitions,
          replicationFactor: -1, // the broker's default.replication.factor
          configEntries: [
            { name: "retention.ms", value: String(s.retentionMs) },
            { name: "max.message.bytes", value: String(s.maxMessageBytes) },
            { name: "message.timestamp.type", value: "CreateTime" },
          ],
        })),
      });
    }
    return { created: missing.map((s) => s.topic), existing: [...existing.keys()] };
  }

  /** Deletes the Kafka topics whose names start with `prefix` (tests and benchmarks clean up after themselves). */
  async deleteTopicsWithPrefix(prefix: string): Promise<string[]> {
    if (prefix.length === 0) throw new Error("refusing to delete every topic");
    const topics = (await this.admin.listTopics()).filter((t) => t.startsWith(prefix));
    if (topics.length > 0) await this.admin.deleteTopics({ topics });
    return topics;
  }

  async close(): Promise<void> {
    await this.admin.disconnect();
  }
}
