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
    expect(batch.lineCount).toBe(1);
    expect(batch.lineKey(0)).toBe("1/5");
    const line = batch.lineRecord(0);
    expect({ ...line, value: line.value?.toString() }).toEqual({
      partition: 1,
      offset: 5,
      timestamp: 99,
      value: '{"a":1}',
    });
  });

  it("finds each line's record again across the chunks of the text", () => {
    const batch = new TopicBatch("product_views");
    const values = ['{"a":1}', `{"big":"${"x".repeat(5 * 1024 * 1024)}"}`, '{"a":3}'];
    values.forEach((v, i) => batch.add({ partition: 0, offset: i, timestamp: i, value: Buffer.from(v) }, 0));
    expect(batch.lines.length).toBeGreaterThan(1);
    expect(values.map((_, i) => batch.lineRecord(i).value?.toString())).toEqual(values);
    expect(Buffer.concat(batch.lines).toString().split("\n").filter(Boolean)).toHaveLength(3);
  });
});
