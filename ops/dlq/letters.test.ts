import { describe, expect, it } from "vitest";
import { toDlqRecord } from "../../core/events/dlq.ts";
import { letterKey, matches, payloadBytes, streamLetter, topicLetter } from "./letters.ts";

const record = toDlqRecord({
  originalTopic: "refunds",
  raw: '{"refund_id":"r1","amount":-1}',
  reason: "amount: expected > 0",
  at: Date.parse("2026-11-30T10:00:00Z"),
});

describe("dead letters", () => {
  it("reads a dlq.events record and the stream's row of the same letter under one key", () => {
    const t = topicLetter(2, 41, Buffer.from(JSON.stringify(record)));
    const s = streamLetter({ topic: "refunds", kafka_partition: 0, kafka_offset: "7", record });
    expect(t).toMatchObject({
      id: "t-2-41",
      source: "topic",
      original_topic: "refunds",
      reason: "amount: expected > 0",
    });
    expect(s.id).toBe("s-refunds-0-7");
    expect(letterKey(t)).toBe(letterKey(s));
    expect(payloadBytes(t).toString()).toBe('{"refund_id":"r1","amount":-1}');
    const other = topicLetter(
      2,
      42,
      Buffer.from(JSON.stringify({ ...record, payload: '{"refund_id":"r2"}' })),
    );
    expect(letterKey(other)).not.toBe(letterKey(t));
  });

  it("shows a record on dlq.events that is not a DLQ record, with its bytes, instead of dropping it", () => {
    const t = topicLetter(0, 3, Buffer.from("\u0000garbage"));
    expect(t.reason).toMatch(/not a DLQ record/);
    expect(payloadBytes(t).toString()).toBe("\u0000garbage");
  });

  it("keeps base64 payloads byte for byte", () => {
    const binary = toDlqRecord({
      originalTopic: "transactions",
      raw: Buffer.from([0xff, 0xfe, 0x00]),
      reason: "not UTF-8",
    });
    const t = topicLetter(1, 1, Buffer.from(JSON.stringify(binary)));
    expect(t.payload_encoding).toBe("base64");
    expect([...payloadBytes(t)]).toEqual([0xff, 0xfe, 0x00]);
  });

  it("filters by source, topic, reason (any case) and a half-open time range", () => {
    const t = topicLetter(2, 41, Buffer.from(JSON.stringify(record)));
    expect(matches(t, {})).toBe(true);
    expect(matches(t, { source: "stream" })).toBe(false);
    expect(matches(t, { topic: "transactions" })).toBe(false);
    expect(matches(t, { reason: "EXPECTED >" })).toBe(true);
    expect(matches(t, { fromMs: Date.parse("2026-11-30T10:00:00Z") })).toBe(true);
    expect(matches(t, { toMs: Date.parse("2026-11-30T10:00:00Z") })).toBe(false);
  });
});
