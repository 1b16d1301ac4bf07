import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { EventTopic } from "../../core/events/topics.ts";
import { funnel } from "./funnel/funnel.ts";
import { inventory } from "./inventory/inventory.ts";
import { sales } from "./sales/sales.ts";
import { BatchOutput } from "./output.ts";
import {
  advance,
  processRecords,
  pruneSeen,
  shardWatermark,
  type ProcessOptions,
  type ShardRecord,
} from "./process.ts";
import { DEFAULT_SESSION_RULES } from "./sessions/rules.ts";
import { emptyPosition, takeStateWrite } from "./state-log.ts";
import { ShardState } from "./state.ts";
import { MINUTE } from "./time.ts";

const T0 = Date.parse("2026-11-10T10:00:00.000Z");
const PRODUCT = randomUUID();
const products = {
  get: (id: string) => (id === PRODUCT ? { category: "Books", priceCents: 1250 } : undefined),
};
const options = (over: Partial<ProcessOptions> = {}): ProcessOptions => ({
  latenessMs: 2 * MINUTE,
  maxFutureMs: 5 * MINUTE,
  now: T0 + 3_600_000,
  products,
  sessions: DEFAULT_SESSION_RULES,
  idle: new Set(),
  ...over,
});

let offset = 0;
const rec = (topic: EventTopic, value: unknown): ShardRecord => ({
  topic,
  partition: 0,
  offset: offset++,
  value: value === null ? null : Buffer.from(typeof value === "string" ? value : JSON.stringify(value)),
});
const user = randomUUID();
const tx = (at: number, over: Record<string, unknown> = {}) => ({
  transaction_id: randomUUID(),
  user_id: user,
  session_id: null,
  timestamp: new Date(at).toISOString(),
  products: [{ product_id: PRODUCT, quantity: 2, price: 12.5 }],
  total_amount: 25,
  payment_method: "paypal",
  country: "UK",
  ...over,
});

describe("processRecords", () => {
  it("folds events into minute windows, in cents, a transaction once per category", () => {
    const state = new ShardState();
    const out = new BatchOutput();
    const other = randomUUID();
    processRecords(
      state,
      [
        rec(
          "transactions",
          tx(T0 + 1000, {
            products: [
              { product_id: PRODUCT, quantity: 3, price: 0.1 },
              { product_id: PRODUCT, quantity: 1, price: 0.2 },
              { product_id: other, quantity: 1, price: 1 },
            ],
            total_amount: 1.5,
          }),
        ),
      ],
      out,
      options(),
    );
    expect([...out.of(sales).values()]).toEqual([
      { window: T0, category: "Books", country: "UK", revenueCents: 50, transactions: 1, units: 4 },
      { window: T0, category: "unknown", country: "UK", revenueCents: 100, transactions: 1, units: 1 },
    ]);
    expect(out.of(funnel).get(T0)).toEqual({ views: 0, cartAdds: 0, purchases: 1 });
    expect([...out.of(inventory).stock.entries()]).toEqual([
      [PRODUCT, { units: 4, eventTime: T0 + 1000 }],
      [other, { units: 1, eventTime: T0 + 1000 }],
    ]);
  });

  it("sends late events aside by their own partition's watermark, counts duplicates once", () => {
    const state = new ShardState();
    const out = new BatchOutput();
    const first = tx(T0);
    processRecords(
      state,
      [
        rec("transactions", first),
        rec("transactions", first),
        rec("transactions", tx(T0 + 5 * MINUTE)),
        rec("transactions", tx(T0 + 4 * MINUTE)), // within the lateness
        rec("transactions", tx(T0 + MINUTE)), // behind the watermark (T0 + 3 min)
        rec("product_views", { ...tx(T0) }), // wrong shape for its topic
      ],
      out,
      options(),
    );
    const counts = out.counts.get("transactions")!;
    expect(counts).toMatchObject({ events: 5, late: 1, duplicates: 1, dlq: 0 });
    expect(out.late.map((l) => [l.eventTime - T0, l.watermark - T0])).toEqual([[MINUTE, 3 * MINUTE]]);
    expect([...out.of(funnel).keys()].sort()).toEqual([T0, T0 + 4 * MINUTE, T0 + 5 * MINUTE]);
    expect(out.dead).toHaveLength(1);
    expect(out.dead[0]!.record.error_reason).toMatch(/^event_id: /);
  });

  it("refuses missing values, broken JSON, wrong types and far-future times with a reason", () => {
    const out = new BatchOutput();
    processRecords(
      new ShardState(),
      [
        rec("refunds", null),
        rec("refunds", "{nope"),
        rec("transactions", tx(T0, { country: 3 })),
        rec("transactions", tx(T0 + 3_600_000 + 10 * MINUTE)),
      ],
      out,
      options(),
    );
    expect(out.dead.map((d) => d.record.error_reason)).toEqual([
      "(event): the record has no value",
      expect.stringMatching(/^\(event\): not valid JSON/),
      expect.stringMatching(/^country: /),
      expect.stringMatching(/^timestamp: .*in the future/),
    ]);
    // Bytes that are not JSON are kept exactly, as base64.
    expect(out.dead[1]!.record.payload_encoding).toBe("base64");
    expect(Buffer.from(out.dead[1]!.record.payload, "base64").toString()).toBe("{nope");
  });
});

describe("watermarks", () => {
  it("follow the slowest partition of the shard, unless it is idle", () => {
    const state = new ShardState();
    state.maxTime.set("transactions", T0 + 10 * MINUTE);
    state.maxTime.set("product_views", T0 + 20 * MINUTE);
    state.maxTime.set("cart_events", T0 + 30 * MINUTE);
    const o = { latenessMs: 2 * MINUTE };
    // refunds never seen and not idle: nothing is known yet
    expect(shardWatermark(state, { ...o, idle: new Set() })).toBe(-Infinity);
    expect(shardWatermark(state, { ...o, idle: new Set(["refunds"]) })).toBe(T0 + 8 * MINUTE);
    expect(shardWatermark(state, { ...o, idle: new Set(["refunds", "transactions"]) })).toBe(
      T0 + 18 * MINUTE,
    );
    const all = new Set<EventTopic>(["refunds", "transactions", "product_views", "cart_events"]);
    expect(shardWatermark(state, { ...o, idle: all })).toBe(T0 + 28 * MINUTE);
  });

  it("close hours and forget event ids the watermark has passed", () => {
    const state = new ShardState();
    const out = new BatchOutput();
    const idle = new Set<EventTopic>(["refunds", "product_views", "cart_events"]);
    const later = (o: Partial<ProcessOptions>) => options({ now: T0 + 6 * 3_600_000, ...o });
    processRecords(
      state,
      [rec("transactions", tx(T0 + 5 * MINUTE)), rec("transactions", tx(T0 + 61 * MINUTE))],
      out,
      later({ idle }),
    );
    expect(state.seen.size).toBe(2);
    advance(state, out, later({ idle }));
    expect(out.of(inventory).closedHours).toEqual([]);
    processRecords(state, [rec("transactions", tx(T0 + 125 * MINUTE))], out, later({ idle }));
    advance(state, out, later({ idle }));
    expect(out.of(inventory).closedHours).toEqual([T0, T0 + 3_600_000]);
    pruneSeen(state, 2 * MINUTE);
    expect(state.seen.size).toBe(1);
  });

  it("keeps a batch's event ids of a topic in one persisted group, however its records were split", () => {
    const state = new ShardState();
    const out = new BatchOutput();
    const seenGroups = () => {
      const body = JSON.parse(takeStateWrite(state, emptyPosition())!.bodies[0]!) as { u: [string][] };
      return body.u.filter(([ns]) => ns === "seen").length;
    };
    // The worker processes a batch in slices, yielding in between; the batch ends when its
    // state changes are taken.
    for (const minute of [1, 2, 3])
      processRecords(state, [rec("transactions", tx(T0 + minute * MINUTE))], out, options());
    expect(seenGroups()).toBe(1);
    processRecords(state, [rec("transactions", tx(T0 + 4 * MINUTE))], out, options());
    expect(seenGroups()).toBe(1);
    expect(state.seen.groups.size).toBe(2);
  });
});
