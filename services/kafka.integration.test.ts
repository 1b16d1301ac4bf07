import { randomUUID } from "node:crypto";
import { Kafka, logLevel, type Admin } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { localServers, requireServer } from "../core/local-servers.ts";

const up = await requireServer("kafka");

describe.skipIf(!up)("kafka smoke: keyed produce and consume across partitions", () => {
  const kafka = new Kafka({
    clientId: "smoke",
    brokers: localServers().kafkaBrokers,
    logLevel: logLevel.NOTHING,
  });
  const topic = `smoke-${randomUUID()}`;
  let admin: Admin;

  beforeAll(async () => {
    admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 6 }], waitForLeaders: true });
  });

  afterAll(async () => {
    await admin.deleteTopics({ topics: [topic] });
    await admin.disconnect();
  });

  it("delivers every message once, each key always on the same partition, in order", async () => {
    const keys = Array.from({ length: 40 }, (_, i) => `user-${i}`);
    const messages = Array.from({ length: 400 }, (_, i) => ({
      key: keys[i % keys.length]!,
      value: String(i),
    }));
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    await producer.send({ topic, acks: -1, messages });
    await producer.disconnect();

    const consumer = kafka.consumer({ groupId: `smoke-${randomUUID()}` });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const seen: { key: string; value: number; partition: number }[] = [];
    const done = new Promise<void>((resolve) => {
      void consumer.run({
        eachMessage: async ({ message, partition }) => {
          seen.push({ key: message.key!.toString(), value: Number(message.value!.toString()), partition });
          if (seen.length === messages.length) resolve();
        },
      });
    });
    await done;
    await consumer.disconnect();

    expect(seen.map((m) => m.value).sort((a, b) => a - b)).toEqual(messages.map((_, i) => i));
    const partitionOfKey = new Map<string, number>();
    for (const m of seen) {
      expect(partitionOfKey.get(m.key) ?? m.partition).toBe(m.partition);
      partitionOfKey.set(m.key, m.partition);
    }
    // 40 keys over 6 partitions: murmur2 spreads them over more than one.
    expect(new Set(partitionOfKey.values()).size).toBeGreaterThan(3);
    // Per key, values arrive in production order.
    for (const key of keys) {
      const values = seen.filter((m) => m.key === key).map((m) => m.value);
      expect(values).toEqual([...values].sort((a, b) => a - b));
    }
  });
});
