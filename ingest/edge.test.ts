import { describe, expect, it } from "vitest";
import { LIMITS, type DlqRecord } from "../core/events/schemas.ts";
import { admit, check } from "./edge.ts";

const refund = {
  refund_id: "0b3f4c52-1f0e-4c8b-9d8e-6a7b8c9d0e1f",
  transaction_id: "1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f",
  user_id: "6f1c2f1e-2b7a-4c55-9a62-0d6c8f1e7a10",
  timestamp: new Date().toISOString(),
  amount: 10,
  reason: "late",
};

describe("admit", () => {
  it("keys a valid event by its user and keeps its bytes", () => {
    const raw = JSON.stringify(refund);
    expect(admit("refunds", refund, { raw })).toMatchObject({
      ok: true,
      record: { topic: "refunds", key: refund.user_id },
    });
    expect(admit("refunds", refund, { raw }).record.value.toString()).toBe(raw);
  });

  it("refuses an event too large for the log, even if the schema allows its extra field, and the DLQ copy fits", () => {
    const huge = { ...refund, note: "x".repeat(2 * 1024 * 1024) };
    const result = admit("refunds", huge);
    expect(result).toMatchObject({
      ok: false,
      field: "(event)",
      reason: expect.stringMatching(/bytes, more than the 262144/),
    });
    expect(result.record.topic).toBe("dlq.events");
    expect(result.record.key).toBe(refund.user_id);
    expect(result.record.value.length).toBeLessThan(LIMITS.maxDlqPayloadBytes * 2);
    const dlq = JSON.parse(result.record.value.toString()) as DlqRecord;
    expect(dlq.error_reason).toMatch(/payload cut to its first 65536 of \d+ bytes/);
    expect(dlq.payload_encoding).toBe("base64"); // the cut JSON is no longer valid JSON
  });
  it("counts the limit in UTF-8 bytes, not characters", () => {
    const limit = LIMITS.maxEventBytes;
    // 100k three-byte characters: under the limit in characters, over it in bytes.
    const over = check("refunds", refund, JSON.stringify({ ...refund, note: "€".repeat(100_000) }));
    expect(over).toMatchObject({ ok: false, field: "(event)" });
    // Just under the limit in bytes: accepted.
    const note = "€".repeat(Math.floor((limit - 400) / 3));
    const raw = JSON.stringify({ ...refund, note });
    expect(Buffer.byteLength(raw)).toBeLessThanOrEqual(limit);
    expect(check("refunds", { ...refund, note }, raw).ok).toBe(true);
  });
});
