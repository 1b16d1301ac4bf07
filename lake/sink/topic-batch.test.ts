import { describe, expect, it } from "vitest";
import { rotationDue, TopicBatch } from "./topic-batch.ts";

const policy = { maxRows: 3, maxBytes: 1000, maxDelayMs: 60_000 };

describe("TopicBatch and rotation", () => {
  it("tracks each partition's offset span and rotates on rows, bytes and the maximum delay", () => {
    const batch = new TopicBatch("refunds");
    expect(rotationDue(batch, policy, 0)).toBeUndefined();
    batch.add({ partition: 2, offset: 7, timestamp: 1, value: Buffer.from('{"a":1}') }, 1000);
    batch.add({ partition: 2, offset: 9, timestamp: 1, value: Buffer.from('{"a":2}') }, 2000);
    expect(batch.spans.get(2)).toEqual({ first: 7, last: 9, count: 2 });
    expect(rotationDue(batch, policy, 60_999)).toBeUndefined();
    expect(rotationDue(batch, policy, 61_000)).toBe("max-delay");
    batch.add({ partition: 0, offset: 1, timestamp: 1, value: Buffer.from('{"a":3}') }, 3000);
    expect(rotationDue(batch, policy, 3000)).toBe("rows");
    const big = new TopicBatch("refunds");
    big.add({ partition: 0, offset: 1, timestamp: 1, value: Buffer.alloc(2000, 32) }, 0);
    expect(rotationDue(big, policy, 0)).toBe("bytes");
  });

  it("writes plain records as NDJSON lines carrying position and length, and sets aside the rest", () => {
    const batch = new TopicBatch("refunds");
    batch.add({ partition: 1, offset: 5, timestamp: 99, value: Buffer.from('{"a":1}') }, 0);
    batch.add({ partition: 1, offset: 6, timestamp: 99, value: Buffer.from('{\n"a":1}') }, 0);
    batch.add({ partition: 1, offset: 7, timestamp: 99, value: null }, 0);
    expect(Buffer.concat(batch.lines).toString()).toBe('{"p":1,"o":5,"t":99,"n":7,"v":{"a":1}}\n');
    expect(batch.special.map((r) => r.offset)).toEqual([6, 7]);
    expect(batch.rows).toBe(3);
  });
});
