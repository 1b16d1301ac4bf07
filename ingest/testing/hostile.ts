/**
 * A seeded corpus of hostile events for every entry point (issue 18): wrong types, missing and
 * extra fields, empty and huge strings, deep nesting, invalid UTF-8, NaN/Infinity/1e309,
 * negative and fractional quantities, totals that do not add up, timestamps in the far future,
 * before 2000, without a zone or not ISO, `__proto__` and `constructor` keys, oversized events,
 * unknown products and users, and exact duplicates. Each case says what must become of it,
 * decided here from the SPEC's rules, not by asking the validator: accepted (counted once), or
 * refused with a reason that names `field`.
 */
import type { EventTopic } from "../../core/events/topics.ts";

export type Expected = { accepted: true } | { accepted: false; field: string };

export interface HostileCase {
  name: string;
  topic: EventTopic;
  /** The bytes as a producer sends them. */
  bytes: Buffer;
  expect: Expected;
  /** Set on the second copy of an exact duplicate: the stream must count the event once. */
  duplicateOf?: string;
}

/** mulberry32: small, seeded, good enough to vary the bases. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function uuidFrom(next: () => number): string {
  const hex = Array.from({ length: 32 }, () => Math.floor(next() * 16).toString(16)).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

type Event = Record<string, unknown>;

interface TopicRules {
  base(next: () => number, at: string, product: string): Event;
  uuids: string[];
  enums: string[];
  /** Number fields with what makes a value wrong for them. */
  numbers: { field: string; integer: boolean; min: number; max: number; exclusiveMin?: boolean }[];
  strings: { field: string; max: number }[];
  /** Fields that may be null. */
  nullable: string[];
}

/** What every event of a shopping session carries (as the schemas' `sessionEvent`). */
const sessionEvent = (next: () => number, at: string, product: string): Event => ({
  event_id: uuidFrom(next),
  user_id: uuidFrom(next),
  product_id: product,
  session_id: uuidFrom(next),
  timestamp: at,
});

const RULES: Record<EventTopic, TopicRules> = {
  transactions: {
    base: (next, at, product) => {
      const price = Math.round(next() * 50_000) / 100 + 1;
      const quantity = 1 + Math.floor(next() * 3);
      return {
        transaction_id: uuidFrom(next),
        user_id: uuidFrom(next),
        session_id: uuidFrom(next),
        timestamp: at,
        products: [{ product_id: product, quantity, price }],
        total_amount: Math.round(price * quantity * 100) / 100,
        payment_method: "paypal",
        country: "UK",
      };
    },
    uuids: ["transaction_id", "user_id", "session_id"],
    enums: ["payment_method", "country"],
    numbers: [{ field: "total_amount", integer: false, min: 0, max: 100_000_000 }],
    strings: [],
    nullable: ["session_id"],
  },
  product_views: {
    base: (next, at, product) => ({
      ...sessionEvent(next, at, product),
      duration_seconds: Math.floor(next() * 300),
      category: "Books",
    }),
    uuids: ["event_id", "user_id", "product_id", "session_id"],
    enums: [],
    numbers: [{ field: "duration_seconds", integer: false, min: 0, max: 86_400 }],
    strings: [{ field: "category", max: 100 }],
    nullable: [],
  },
  cart_events: {
    base: (next, at, product) => ({
      ...sessionEvent(next, at, product),
      action: "add",
      quantity: 1 + Math.floor(next() * 5),
    }),
    uuids: ["event_id", "user_id", "product_id", "session_id"],
    enums: ["action"],
    numbers: [{ field: "quantity", integer: true, min: 1, max: 10_000 }],
    strings: [],
    nullable: [],
  },
  refunds: {
    base: (next, at) => ({
      refund_id: uuidFrom(next),
      transaction_id: uuidFrom(next),
      user_id: uuidFrom(next),
      timestamp: at,
      amount: Math.round(next() * 10_000) / 100 + 1,
      reason: "damaged",
    }),
    uuids: ["refund_id", "transaction_id", "user_id"],
    enums: ["reason"],
    numbers: [{ field: "amount", integer: false, min: 0, max: 100_000_000, exclusiveMin: true }],
    strings: [],
    nullable: [],
  },
};

/** Values wrong for any UUID, timestamp or enum field. */
const NOT_AN_ID = [
  null,
  true,
  0,
  -1,
  "",
  "x".repeat(300),
  [],
  {},
  "' OR 1=1 --",
  "; DROP TABLE products; --",
  "\u0000",
  "𝕌𝕟𝕚𝕔𝕠𝕕𝕖",
  "12345678-1234-1234-1234-12345678901", // one short
];

const BAD_TIMESTAMPS = [
  "2126-11-21T10:00:00.000Z", // a century ahead
  "1999-12-31T23:59:59.000Z", // before 2000
  "2026-11-21T10:00:00", // no zone
  "21/11/2026 10:00",
  "2026-02-30T10:00:00Z", // no such day
  "",
  "now",
];

const refused = (field: string): Expected => ({ accepted: false, field });
const ACCEPTED: Expected = { accepted: true };

const json = (e: Event) => Buffer.from(JSON.stringify(e));

/** `cases` variations of every kind per topic: >= 1,000 cases from 5 bases a topic. */
export function hostileCorpus(seed = 42, bases = 5, now = Date.parse("2026-11-21T12:00:00Z")): HostileCase[] {
  const next = rng(seed);
  const out: HostileCase[] = [];
  const at = (offsetS: number) => new Date(now - 3_600_000 + offsetS * 1000).toISOString();
  const product = uuidFrom(next);
  for (const topic of Object.keys(RULES) as EventTopic[]) {
    const rules = RULES[topic];
    for (let b = 0; b < bases; b++) {
      const base = () => rules.base(next, at(b * 60 + Math.floor(next() * 60)), product);
      const add = (name: string, bytes: Buffer, expect: Expected) =>
        out.push({ name: `${topic}#${b} ${name}`, topic, bytes, expect });

      add("as generated", json(base()), ACCEPTED);
      add("unknown product and user", json({ ...base(), user_id: uuidFrom(next) }), ACCEPTED);
      add("extra fields", json({ ...base(), coupon: "X1", nested: { a: [1, 2, { b: null }] } }), ACCEPTED);
      add("upper-case UUIDs", json(upperIds(base(), rules.uuids)), ACCEPTED);
      // JSON.stringify drops __proto__ set by assignment; written out, it is just a key.
      add(
        "__proto__ and constructor keys",
        Buffer.from(
          JSON.stringify(base()).replace(
            /^\{/,
            '{"__proto__":{"polluted":true},"constructor":{"prototype":{"x":1}},',
          ),
        ),
        ACCEPTED,
      );
      const nested = (levels: number) =>
        Buffer.from(
          JSON.stringify(base()).replace(/^\{/, `{"deep":${"[".repeat(levels)}${"]".repeat(levels)},`),
        );
      add("nested extra field", nested(10), ACCEPTED);
      // Deep enough to overflow JSON.stringify's stack: refused before anything serialises it.
      add("deeply nested extra field", nested(20_000), refused("(event)"));
      const first = base();
      add("a duplicate (first copy)", json(first), ACCEPTED);
      out.push({
        name: `${topic}#${b} a duplicate (second copy)`,
        topic,
        bytes: json(first),
        expect: ACCEPTED,
        duplicateOf: `${topic}#${b} a duplicate (first copy)`,
      });

      for (const field of Object.keys(base())) {
        const e = base();
        delete e[field];
        add(`missing ${field}`, json(e), refused(field));
      }
      for (const field of [...rules.uuids, ...rules.enums]) {
        for (const [i, value] of NOT_AN_ID.entries()) {
          const expect = value === null && rules.nullable.includes(field) ? ACCEPTED : refused(field);
          add(`${field} = bad value ${i}`, json({ ...base(), [field]: value }), expect);
        }
        // Invalid UTF-8 where an id belongs: bytes, not a string, so built by hand.
        const e = JSON.stringify({ ...base(), [field]: "@@" });
        const at2 = e.indexOf('"@@"');
        add(
          `${field} = invalid UTF-8`,
          Buffer.concat([
            Buffer.from(e.slice(0, at2 + 1)),
            Buffer.from([0xc3, 0x28, 0xff]),
            Buffer.from(e.slice(at2 + 3)),
          ]),
          refused(field),
        );
      }
      for (const [i, ts] of BAD_TIMESTAMPS.entries())
        add(`timestamp = bad ${i}`, json({ ...base(), timestamp: ts }), refused("timestamp"));
      add("timestamp as a number", json({ ...base(), timestamp: now }), refused("timestamp"));

      for (const n of rules.numbers) {
        const wrong: unknown[] = [n.min - 1, n.max + 1, "12", null, [], true];
        if (n.integer) wrong.push(n.min + 0.5);
        if (n.exclusiveMin) wrong.push(n.min);
        for (const [i, value] of wrong.entries())
          add(`${n.field} = bad ${i}`, json({ ...base(), [n.field]: value }), crossChecked(topic, n.field));
        // Not JSON numbers at all: written into the text.
        for (const raw of ["NaN", "Infinity", "-Infinity"])
          add(`${n.field} = ${raw}`, withRaw(base(), n.field, raw), refused("(event)"));
        add(`${n.field} = 1e309`, withRaw(base(), n.field, "1e309"), refused(n.field));
      }
      for (const s of rules.strings) {
        add(`${s.field} empty`, json({ ...base(), [s.field]: "" }), refused(s.field));
        add(`${s.field} too long`, json({ ...base(), [s.field]: "c".repeat(s.max + 1) }), refused(s.field));
        add(
          `${s.field} injection`,
          json({ ...base(), [s.field]: "'); DROP TABLE sales_metrics; --" }),
          ACCEPTED,
        );
        add(`${s.field} unicode`, json({ ...base(), [s.field]: "Bücher & Ñandú 📚" }), ACCEPTED);
      }
      add("oversized", json({ ...base(), padding: "p".repeat(300 * 1024) }), refused("(event)"));
      add("not an object", Buffer.from(JSON.stringify([base()])), refused("(event)"));
      add("truncated JSON", json(base()).subarray(0, 40), refused("(event)"));
      add("empty", Buffer.alloc(0), refused("(event)"));

      if (topic === "transactions") {
        const e = base();
        add(
          "total does not add up",
          json({ ...e, total_amount: (e.total_amount as number) + 5 }),
          refused("total_amount"),
        );
        const items = e.products as Event[];
        for (const [i, q] of [0, -2, 1.5, 10_001, "3"].entries())
          add(
            `quantity = bad ${i}`,
            json({ ...e, products: [{ ...items[0], quantity: q }] }),
            refused("products[0].quantity"),
          );
        add("no items", json({ ...e, products: [], total_amount: 0 }), refused("products"));
        add(
          "negative price",
          json({ ...e, products: [{ ...items[0], price: -1 }] }),
          refused("products[0].price"),
        );
        add(
          "item product_id not a UUID",
          json({ ...e, products: [{ ...items[0], product_id: "p1" }] }),
          refused("products[0].product_id"),
        );
      }
      if (topic === "cart_events")
        add("add of 0 units", json({ ...base(), quantity: 0 }), refused("quantity"));
    }
  }
  return out;
}

/** A refused number is refused on its own field; a transaction's total also fails its sum check. */
function crossChecked(topic: EventTopic, field: string): Expected {
  return topic === "transactions" && field === "total_amount" ? refused("total_amount") : refused(field);
}

function upperIds(e: Event, fields: string[]): Event {
  const out = { ...e };
  for (const f of fields) if (typeof out[f] === "string") out[f] = out[f].toUpperCase();
  return out;
}

/** The event with `field` written as the raw JSON text `raw` (not a string: NaN, 1e309...). */
function withRaw(e: Event, field: string, raw: string): Buffer {
  const marker = "__RAW__";
  return Buffer.from(JSON.stringify({ ...e, [field]: marker }).replace(`"${marker}"`, raw));
}
