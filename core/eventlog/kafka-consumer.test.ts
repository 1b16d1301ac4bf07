/**
 * What the consumer adapter makes of librdkafka's own failures, on a stand-in for node-rdkafka's
 * consumer (the real one needs a broker to reach these states). A consumer that had a fatal
 * error, or whose handle is gone, must fail poll and commit without retry: retried, the sink's
 * flushes waited forever on a dead consumer after a Kafka restart (the chaos run, issue 18).
 */
import { describe, expect, it } from "vitest";
import { isRetriable } from "../errors.ts";
import { createLogger } from "../logger.ts";
import { retry } from "../retry.ts";
import { KafkaLogConsumer } from "./kafka-consumer.ts";

type Stub = { connected: boolean; commitError?: Error; consumeError?: Error; messages?: unknown[] };

function consumerOn(stub: Stub): KafkaLogConsumer {
  const native = {
    isConnected: () => stub.connected,
    commitSync: () => {
      if (stub.commitError) throw stub.commitError;
    },
    consume: (_max: number, cb: (err: Error | null, m: unknown[]) => void) =>
      cb(stub.consumeError ?? null, stub.messages ?? []),
  };
  const Ctor = KafkaLogConsumer as unknown as new (c: unknown, o: unknown) => KafkaLogConsumer;
  const consumer = new Ctor(native, {
    brokers: [],
    group: "g",
    topics: ["refunds"],
    handlers: {},
    logger: createLogger({ level: "silent" }),
  });
  // As if librdkafka had assigned refunds/0 to this member.
  const owned = consumer as unknown as { committable: Map<string, unknown>; owning: Map<string, unknown> };
  for (const map of [owned.committable, owned.owning])
    map.set("refunds/0", { topic: "refunds", partition: 0 });
  return consumer;
}

const offsets = [{ topic: "refunds", partition: 0, offset: 10 }];
const fatal = Object.assign(new Error("Local: Fatal error"), { code: -150 });

describe("the Kafka consumer after librdkafka gave up on it", () => {
  it("refuses a commit without retry after a fatal error, and every later one", async () => {
    const stub: Stub = { connected: true, commitError: fatal };
    const consumer = consumerOn(stub);
    const first = await consumer.commit(offsets).catch((e: unknown) => e);
    expect(isRetriable(first)).toBe(false);
    expect(String(first)).toMatch(/unusable .*Fatal error.*created again/);
    stub.commitError = undefined;
    expect(isRetriable(await consumer.commit(offsets).catch((e: unknown) => e))).toBe(false);
    expect(isRetriable(await consumer.poll(10).catch((e: unknown) => e))).toBe(false);
  });

  it("refuses a commit once the handle is gone, so a retry loop ends at once", async () => {
    const consumer = consumerOn({ connected: true, commitError: new Error("KafkaConsumer is disconnected") });
    const started = Date.now();
    await expect(retry(() => consumer.commit(offsets), { what: "kafka offset commit" })).rejects.toThrow(
      /unusable/,
    );
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it("still retries what is only Kafka being away", async () => {
    const consumer = consumerOn({
      connected: true,
      commitError: Object.assign(new Error("Local: Waiting for coordinator"), { code: -180 }),
    });
    expect(isRetriable(await consumer.commit(offsets).catch((e: unknown) => e))).toBe(true);
    const poll = consumerOn({
      connected: true,
      consumeError: Object.assign(new Error("Local: Broker transport failure"), { code: -195 }),
    });
    expect(isRetriable(await poll.poll(10).catch((e: unknown) => e))).toBe(true);
  });
});

describe("the Kafka consumer when librdkafka fetches a partition again", () => {
  const message = (offset: number) => ({
    topic: "refunds",
    partition: 0,
    offset,
    timestamp: 0,
    key: null,
    value: Buffer.from(`{"o":${offset}}`),
  });

  it("delivers each offset of an assignment once, in order", async () => {
    const stub: Stub = { connected: true, messages: [10, 11, 12].map(message) };
    const consumer = consumerOn(stub);
    expect((await consumer.poll(10)).map((r) => r.offset)).toEqual([10, 11, 12]);
    // The fetch starts again at the last record delivered, then goes on.
    stub.messages = [12, 13].map(message);
    expect((await consumer.poll(10)).map((r) => r.offset)).toEqual([13]);
    stub.messages = [11, 12, 13, 14].map(message);
    expect((await consumer.poll(10)).map((r) => r.offset)).toEqual([14]);
  });
});
