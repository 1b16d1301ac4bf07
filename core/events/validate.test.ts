import { describe, expect, it } from "vitest";
import { toDlqRecord, dlqPayloadBytes } from "./dlq.ts";
import { EVENT_TOPICS, type EventTopic } from "./topics.ts";
import { isUuid, nestedTooDeep, parseTimestamp, TOO_DEEP, validateEvent } from "./validate.ts";

const NOW = Date.parse("2026-11-21T12:00:00.000Z");
const U = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;

const valid: Record<EventTopic, Record<string, unknown>> = {
  transactions: {
    transaction_id: U(1),
    user_id: U(2),
    session_id: U(3),
    timestamp: "2026-11-21T10:00:00.000Z",
    products: [
      { product_id: U(4), quantity: 2, price: 10.5 },
      { product_id: U(5), quantity: 1, price: 4 },
    ],
    total_amount: 25,
    payment_method: "paypal",
    country: "UK",
  },
  product_views: {
    event_id: U(6),
    user_id: U(2),
    product_id: U(4),
    session_id: U(3),
    timestamp: "2026-11-21T09:59:00.000Z",
    duration_seconds: 12,
    category: "Books",
  },
  cart_events: {
    event_id: U(7),
    user_id: U(2),
    product_id: U(4),
    session_id: U(3),
    timestamp: "2026-11-21T09:59:30.000Z",
    action: "add",
    quantity: 2,
  },
  refunds: {
    refund_id: U(8),
    transaction_id: U(1),
    user_id: U(2),
    timestamp: "2026-11-21T11:00:00.000Z",
    amount: 10.5,
    reason: "damaged",
  },
};

/** One wrong value per field, of the kind a hostile or buggy producer sends. */
const wrong: Record<string, unknown> = {
  transaction_id: "not-a-uuid",
  user_id: 42,
  session_id: "",
  event_id: "00000000-0000-4000-8000-00000000000Z",
  refund_id: null,
  product_id: ["x"],
  timestamp: "2026-11-21 10:00:00",
  products: [],
  total_amount: -1,
  payment_method: "cash",
  country: "Spain",
  duration_seconds: "12",
  category: "",
  action: "purchase",
  quantity: 1.5,
  amount: 0,
  reason: "changed_mind",
};

const ok = (topic: EventTopic, value: unknown) => validateEvent(topic, value, { now: NOW });

describe("validateEvent", () => {
  it.each(EVENT_TOPICS)("accepts a valid %s event and returns its time", (topic) => {
    const result = ok(topic, valid[topic]);
    expect(result).toMatchObject({ ok: true, timestampMs: parseTimestamp(valid[topic].timestamp as string) });
  });

  const fieldCases = EVENT_TOPICS.flatMap((topic) =>
    Object.keys(valid[topic]).map((field) => [topic, field] as const),
  );

  it.each(fieldCases)("%s: a missing %s is rejected with a reason naming it", (topic, field) => {
    const event = { ...valid[topic] };
    delete event[field];
    const result = ok(topic, event);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.field).toBe(field);
    expect(result.reason).toBe(`${field}: required field is missing`);
  });

  it.each(fieldCases)("%s: a wrong %s is rejected with a reason naming it", (topic, field) => {
    const result = ok(topic, { ...valid[topic], [field]: wrong[field] });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.field.startsWith(field)).toBe(true);
    expect(result.reason).toMatch(new RegExp(`^${field}.*: (expected|.*future|.*older|.*sum)`));
  });

  it("names the nested field and the bounds", () => {
    const tx = structuredClone(valid.transactions);
    (tx.products as { price: number }[])[1]!.price = -3;
    const result = ok("transactions", tx);
    expect(result).toEqual({
      ok: false,
      field: "products[1].price",
      reason: "products[1].price: expected a number from 0 to 1000000, got -3",
    });
  });

  it("lists the accepted values of an enum", () => {
    const result = ok("transactions", { ...valid.transactions, payment_method: "cash" });
    expect(result.ok || result.reason).toBe(
      'payment_method: expected one of credit_card, debit_card, paypal, apple_pay, google_pay, got "cash"',
    );
  });

  it("allows a null session on a transaction but not on a view", () => {
    expect(ok("transactions", { ...valid.transactions, session_id: null }).ok).toBe(true);
    expect(ok("product_views", { ...valid.product_views, session_id: null }).ok).toBe(false);
  });

  it("tolerates unknown extra fields (schema drift)", () => {
    expect(ok("refunds", { ...valid.refunds, channel: "web", v: 2 }).ok).toBe(true);
  });

  it("refuses nesting deeper than 32 levels, wherever it hides", () => {
    const nest = (levels: number, inner: unknown = 1): unknown =>
      levels === 0 ? inner : levels % 2 ? [nest(levels - 1, inner)] : { k: nest(levels - 1, inner) };
    // The event object is level 1: an extra field nesting 31 more levels is the most allowed.
    expect(ok("refunds", { ...valid.refunds, extra: nest(31) }).ok).toBe(true);
    expect(ok("refunds", { ...valid.refunds, extra: nest(32) })).toMatchObject({
      ok: false,
      reason: TOO_DEEP,
    });
    expect(nestedTooDeep([1, { a: [2, { b: nest(28) }] }])).toBe(false);
    expect(nestedTooDeep([1, { a: [2, { b: nest(29) }] }])).toBe(true);
    // A hostile document far past the limit is refused without walking (or overflowing) it all.
    expect(nestedTooDeep(JSON.parse("[".repeat(100_000) + "]".repeat(100_000)))).toBe(true);
  });

  it("refuses non-objects", () => {
    for (const value of [null, 3, "x", [valid.refunds]]) {
      const result = ok("refunds", value);
      expect(result.ok || result.reason).toMatch(/^\(event\): expected a JSON object/);
    }
  });

  it("refuses far-future and ancient timestamps, accepts small clock skew", () => {
    const at = (ts: string) => ok("refunds", { ...valid.refunds, timestamp: ts });
    expect(at("2026-11-21T12:04:00.000Z").ok).toBe(true);
    expect(at("2026-11-21T12:06:00.000Z")).toMatchObject({
      ok: false,
      field: "timestamp",
      reason: expect.stringContaining("future"),
    });
    expect(at("1970-01-01T00:00:00.000Z")).toMatchObject({
      ok: false,
      field: "timestamp",
      reason: expect.stringContaining("older"),
    });
  });

  it("refuses impossible dates and non-UTC offsets", () => {
    for (const ts of [
      "2026-02-30T10:00:00.000Z",
      "2026-11-21T10:00:00.000+01:00",
      "2026-11-21T25:00:00Z",
      "yesterday",
    ]) {
      expect(ok("refunds", { ...valid.refunds, timestamp: ts }).ok, ts).toBe(false);
    }
    expect(ok("refunds", { ...valid.refunds, timestamp: "2026-11-21T10:00:00Z" }).ok).toBe(true);
  });

  it("refuses a total that does not add up", () => {
    const result = ok("transactions", { ...valid.transactions, total_amount: 26 });
    expect(result).toMatchObject({
      ok: false,
      field: "total_amount",
      reason: expect.stringContaining("(25.00)"),
    });
    expect(ok("transactions", { ...valid.transactions, total_amount: 25.004 }).ok).toBe(true);
  });

  it("refuses a cart add of zero units but allows remove/update to zero", () => {
    expect(ok("cart_events", { ...valid.cart_events, quantity: 0 })).toMatchObject({
      ok: false,
      field: "quantity",
    });
    expect(ok("cart_events", { ...valid.cart_events, action: "remove", quantity: 0 }).ok).toBe(true);
    expect(ok("cart_events", { ...valid.cart_events, action: "update", quantity: 0 }).ok).toBe(true);
  });

  it("bounds quantities, item counts and string lengths", () => {
    const many = Array.from({ length: 101 }, () => ({ product_id: U(4), quantity: 1, price: 1 }));
    expect(ok("transactions", { ...valid.transactions, products: many, total_amount: 101 })).toMatchObject({
      ok: false,
      field: "products",
    });
    expect(ok("cart_events", { ...valid.cart_events, quantity: 10_001 })).toMatchObject({
      ok: false,
      field: "quantity",
    });
    expect(ok("product_views", { ...valid.product_views, category: "x".repeat(101) })).toMatchObject({
      ok: false,
      field: "category",
    });
  });
});

describe("toDlqRecord", () => {
  const at = Date.parse("2026-11-21T12:00:00.000Z");

  it("keeps valid JSON as text and extracts the event id", () => {
    const raw = JSON.stringify({ ...valid.transactions, total_amount: 1 });
    const record = toDlqRecord({ originalTopic: "transactions", raw, reason: "total_amount: ...", at });
    expect(record).toEqual({
      original_topic: "transactions",
      event_id: U(1),
      error_reason: "total_amount: ...",
      retry_count: 0,
      timestamp: "2026-11-21T12:00:00.000Z",
      payload: raw,
      payload_encoding: "utf8",
    });
    expect(dlqPayloadBytes(record).toString()).toBe(raw);
  });

  it("keeps malformed JSON and invalid UTF-8 byte for byte as base64", () => {
    for (const raw of [Buffer.from('{"transaction_id": '), Buffer.from([0xff, 0xfe, 0x7b, 0x7d])]) {
      const record = toDlqRecord({
        originalTopic: "transactions",
        raw,
        reason: "malformed JSON",
        retryCount: 3,
        at,
      });
      expect(record.payload_encoding).toBe("base64");
      expect(record.event_id).toBeNull();
      expect(record.retry_count).toBe(3);
      expect(dlqPayloadBytes(record).equals(raw)).toBe(true);
    }
  });
});

describe("parseTimestamp", () => {
  it(
    "agrees with Date and a strict regular expression on 300k random inputs",
    { timeout: 60_000 },
    async () => {
      const strict = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;
      const reference = (v: string) => {
        if (!strict.test(v)) return undefined;
        const ms = Date.parse(v.replace(/(\.\d{3})\d+Z$/, "$1Z"));
        return Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 19) !== v.slice(0, 19)
          ? undefined
          : ms;
      };
      let seed = 1;
      const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
      const pick = (s: string) => s[Math.floor(rand() * s.length)]!;
      const mismatches: string[] = [];
      for (let i = 0; i < 300_000; i++) {
        const ms = Math.floor(rand() * 4e12);
        let v = new Date(ms).toISOString();
        // Mutate some: drop or change characters, other fraction lengths.
        const r = rand();
        if (r < 0.2)
          v =
            v.slice(0, 19) + (rand() < 0.5 ? "Z" : `.${String(Math.floor(rand() * 1e6)).padStart(6, "0")}Z`);
        else if (r < 0.4) {
          const at = Math.floor(rand() * v.length);
          v = v.slice(0, at) + pick("0123456789-:TZ.x") + v.slice(at + 1);
        }
        if (parseTimestamp(v) !== reference(v)) mismatches.push(v);
      }
      expect(mismatches.slice(0, 5)).toEqual([]);
    },
  );
});

describe("isUuid", () => {
  it("takes 8-4-4-4-12 hex digits in either case and nothing else", () => {
    const good = "0f8fad5b-d9cb-469f-a165-70867728950e";
    expect(isUuid(good)).toBe(true);
    expect(isUuid(good.toUpperCase())).toBe(true);
    const bad = [
      "",
      good.slice(1),
      `${good}0`,
      good.replace("-", "0"),
      `${good.slice(0, 7)}-${good.slice(8)}`.replace("d9cb-", "d9cbd"),
      good.replace("f", "g"),
      good.replace("a", "\u0101"),
      good.replace("0", " "),
      "0f8fad5bd9cb469fa16570867728950e----",
    ];
    for (const v of bad) expect(isUuid(v), v).toBe(false);
  });
});
