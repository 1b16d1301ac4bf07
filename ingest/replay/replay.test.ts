import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { RecordingLog } from "../../core/eventlog/recording-log.ts";
import type { DlqRecord, Transaction } from "../../core/events/schemas.ts";
import { validateEvent } from "../../core/events/validate.ts";
import type { ReplayItem } from "./item.ts";
import { readEventsFile } from "./ndjson.ts";
import { readOlist } from "./olist.ts";
import { replay } from "./replay.ts";

const FIXTURES = fileURLToPath(new URL("./fixtures/olist", import.meta.url));

describe("readOlist", () => {
  it("maps orders, items and payments onto transactions, in purchase order", async () => {
    const items = await readOlist(FIXTURES, { country: "Canada" });
    const events = items.filter((i): i is Extract<ReplayItem, { kind: "event" }> => i.kind === "event");
    const byId = new Map(
      events.map((e) => [(e.value as Transaction).transaction_id, e.value as Transaction]),
    );
    expect(items.map((i) => i.kind)).toEqual([
      "invalid",
      "invalid",
      "event",
      "event",
      "skipped",
      "event",
      "event",
      "event",
    ]);
    for (const e of events) expect(validateEvent("transactions", e.value).ok).toBe(true);

    expect(byId.get("e481f51c-bdc5-4678-b7cc-49136f2d6af7")).toEqual({
      transaction_id: "e481f51c-bdc5-4678-b7cc-49136f2d6af7",
      user_id: "9ef432eb-6251-2973-04e7-6186b10a928d",
      session_id: null,
      timestamp: "2017-10-02T10:56:33.000Z",
      products: [{ product_id: "87285b34-8845-7264-7811-a353c7ac498a", quantity: 1, price: 29.99 }],
      total_amount: 29.99,
      payment_method: "credit_card", // the voucher was larger, but vouchers fall back to the next payment
      country: "Canada",
    });
    // Two lines of one product become quantity 2.
    expect(byId.get("47770eb9-100c-2d0c-4494-6d9cf07ec65d")).toMatchObject({
      products: [{ quantity: 2, price: 159.9 }],
      total_amount: 319.8,
    });
    expect(byId.get("53cdb2fc-8bc7-dce0-b674-1e2150273451")?.payment_method).toBe("debit_card"); // boleto
    expect(byId.get("ad21c59c-0840-e6cb-83a9-ceb5573f8159")).toMatchObject({ total_amount: 121.55 });
    const reasons = items.flatMap((i) => (i.kind === "event" ? [] : [i.reason]));
    expect(reasons).toEqual([
      "payment_method: order 136cce7faa42fdb2cefd53fdc79a6098 was paid by not_defined, which has no SPEC equivalent",
      "products: order 6514b8ad8028c9f2cc2374ded245783f has no items",
      "order 949d5b44dbf5de918fe9c16f97b45f8a is canceled",
    ]);
  });
});

describe("readEventsFile", () => {
  it("reads envelopes and turns bad lines into invalid items with their line number", async () => {
    const dir = mkdtempSync(join(tmpdir(), "replay-"));
    const file = join(dir, "events.ndjson");
    const value = { refund_id: "r", timestamp: "2026-11-21T10:00:00.000Z" };
    writeFileSync(
      file,
      [
        JSON.stringify({ topic: "refunds", key: "u", value }),
        "{not json",
        "",
        '{"topic":"refunds"}',
        "[1,2]",
      ].join("\n"),
    );
    const items: ReplayItem[] = [];
    for await (const item of readEventsFile(file)) items.push(item);
    expect(items[0]).toEqual({
      kind: "event",
      topic: "refunds",
      value,
      raw: JSON.stringify(value),
      at: Date.parse(value.timestamp),
    });
    expect(items.slice(1).map((i) => (i.kind === "invalid" ? i.reason : i.kind))).toEqual([
      expect.stringMatching(/^line 2: malformed JSON/),
      'line 4: expected {"topic","key","value"}',
      'line 5: expected {"topic","key","value"}',
    ]);
  });
});

describe("replay", () => {
  it("keeps recorded gaps divided by the speed, and sends invalid items to the DLQ", async () => {
    const clock = { now: 1_000_000 };
    const log = new RecordingLog(clock);
    const items = await readOlist(FIXTURES);
    const result = await replay(items, log, {
      speed: 86_400, // one recorded day per second
      now: () => clock.now,
      sleep: async (ms) => void (clock.now += ms),
    });
    expect(result).toEqual({ accepted: 5, rejected: 2, skipped: 1 });
    const events = log.records.filter((r) => r.topic === "transactions");
    const gapsRecorded = events.map((r) =>
      Date.parse((JSON.parse(r.value.toString()) as Transaction).timestamp),
    );
    for (let i = 1; i < events.length; i++) {
      const wall = events[i]!.at - events[0]!.at;
      const expected = (gapsRecorded[i]! - gapsRecorded[0]!) / 86_400;
      expect(Math.abs(wall - expected)).toBeLessThanOrEqual(5);
    }
    const dlq = log.records
      .filter((r) => r.topic === "dlq.events")
      .map((r) => JSON.parse(r.value.toString()) as DlqRecord);
    expect(dlq.map((d) => d.original_topic)).toEqual(["transactions", "transactions"]);
    expect(JSON.parse(dlq[1]!.payload)).toMatchObject({ order_id: "6514b8ad8028c9f2cc2374ded245783f" });
  });

  it("with speed 0, sends everything at once", async () => {
    const clock = { now: 0 };
    const log = new RecordingLog(clock);
    await replay(await readOlist(FIXTURES), log, {
      speed: 0,
      now: () => clock.now,
      sleep: async (ms) => void (clock.now += ms),
    });
    expect(clock.now).toBe(0);
    expect(log.records).toHaveLength(7);
  });
});
