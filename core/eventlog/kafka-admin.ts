/** LogAdmin on Kafka through kafkajs's admin client. */
import type { Admin } from "kafkajs";
import type { Logger } from "../logger.ts";
import { retry } from "../retry.ts";
import { kafkaClient } from "./kafkajs-client.ts";
import type { LogAdmin, TopicSpec } from "./port.ts";

export class KafkaAdmin implements LogAdmin {
  private constructor(private readonly admin: Admin) {}

  static async connect(brokers: string[], logger: Logger): Promise<KafkaAdmin> {
    const admin = kafkaClient(brokers, "lakehouse-admin", logger).admin();
    await retry(() => admin.connect(), {
      what: `kafka at ${brokers.join(",")}`,
      logger,
      retriable: () => true,
      maxDelayMs: 10_000,
    });
    return new KafkaAdmin(admin);
  }

  async describeTopics(topics: readonly string[]): Promise<Map<string, number>> {
    const existing = new Set(await this.admin.listTopics());
    const wanted = topics.filter((t) => existing.has(t));
    const result = new Map<string, number>();
    if (wanted.length === 0) return result;
    const metadata = await this.admin.fetchTopicMetadata({ topics: wanted });
    for (const t of metadata.topics) result.set(t.name, t.partitions.length);
    return result;
  }

  async createTopics(specs: readonly TopicSpec[]): Promise<{ created: string[]; existing: string[] }> {
    const existing = await this.describeTopics(specs.map((s) => s.topic));
    const missing = specs.filter((s) => !existing.has(s.topic));
    if (missing.length > 0) {
      await this.admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((s) => ({
          topic: s.topic,
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

  /** Deletes the topics whose names start with `prefix` (tests and benchmarks clean up after themselves). */
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
