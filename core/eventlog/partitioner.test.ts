import { Partitioners } from "kafkajs";
import { describe, expect, it } from "vitest";
import { keyHash, partitionFor, partitionOf } from "./partitioner.ts";

describe("partitionFor", () => {
  it("matches the Java client's default partitioner (as implemented by kafkajs) for any key", () => {
    const kafkajs = Partitioners.DefaultPartitioner();
    const keys = [
      "",
      "a",
      "ab",
      "abc",
      "abcd",
      "ünïcødé",
      "\u007f\u0080",
      ...Array.from({ length: 2000 }, (_, i) => `user-${i}-${"x".repeat(i % 7)}`),
    ];
    for (const partitions of [1, 6, 7, 12]) {
      const meta = Array.from({ length: partitions }, (_, p) => ({
        partitionId: p,
        leader: 1,
        partitionErrorCode: 0,
        replicas: [1],
        isr: [1],
      }));
      for (const key of keys) {
        const expected = kafkajs({ topic: "t", partitionMetadata: meta, message: { key, value: "v" } });
        expect(partitionFor(key, partitions), key).toBe(expected);
        expect(partitionFor(Buffer.from(key), partitions), key).toBe(expected);
        expect(partitionOf({ key, keyHash: keyHash(key) }, partitions), key).toBe(expected);
        expect(partitionOf({ key }, partitions), key).toBe(expected);
      }
    }
  });

  it("gives a known Java test vector", () => {
    // org.apache.kafka.common.utils.Utils.murmur2("21".getBytes()) = -973932308
    expect(partitionFor("21", 0x7fffffff)).toBe(-973932308 & 0x7fffffff);
  });
});
