/**
 * A seeded corpus of hostile events for every entry point (issue 18). The cases and what must
 * become of each are data, `hostile-cases.yml` (wrong types, missing and extra fields, empty and
 * huge strings, deep nesting, invalid UTF-8, NaN/Infinity/1e309, negative and fractional
 * quantities, totals that do not add up, bad timestamps, `__proto__` keys, oversized events,
 * unknown products and users, duplicate ids with the same and another body); this file holds
 * the valid events they start from and the field rules of each topic's schema, and applies
 * every case to five seeded events per topic. Outcomes are decided there from the SPEC's
 * rules, not by asking the validator: accepted (counted once), or refused naming `field`.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { parse } from "yaml";
import { ID_FIELD, type EventTopic } from "../../core/events/topics.ts";
import { Random } from "../generator/random.ts";

export type Expected = { accepted: true } | { accepted: false; field: string };

export interface HostileCase {
  name: string;
  topic: EventTopic;
  /** The bytes as a producer sends them. */
  bytes: Buffer;
  /** What the edge makes of the event on its own. */
  expect: Expected;
  /**
   * Set on an event whose id was sent before (the case named here): the stream counts the id
   * once; the collector answers a duplicate, or, when the body differs (`conflict`), refuses it
   * on the id field.
   */
  duplicateOf?: string;
  conflict?: boolean;
}

/** The generator's seeded sfc32, as a function. */
function rng(seed: number): () => number {
  const random = new Random(seed);
  return () => random.next();
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

const CASES_FILE = new URL("./hostile-cases.yml", import.meta.url);

type Outcome = "accepted" | "duplicate" | "refused" | { refused: string };

interface CaseSpec {
  name: string;
  topics?: EventTopic[];
  set?: Event;
  add?: Record<string, number>;
  delete?: string | true;
  raw?: Record<string, string>;
  prefix?: string;
  repeat?: { before: string; open: string; close: string; times: number };
  bytes?: number[];
  truncate?: number;
  whole?: string;
  wrap?: "array";
  item?: Event;
  upper?: "uuids";
  copy?: "same" | "changed";
  expect: Outcome;
}

interface SweepSpec extends Omit<CaseSpec, "raw" | "delete"> {
  fields: string | string[];
  values?: unknown[];
  raw?: string[];
  delete?: true;
}

type Result = "accepted" | { rejected: string };

interface RequestSpec {
  name: string;
  type?: string;
  eol?: string;
  lines?: string[];
  json?: string[];
  text?: string;
  repeat?: { lines?: number; bytes?: number };
  expect: { status: number; field?: string; results?: Result[] };
}

interface CasesFile {
  cases: CaseSpec[];
  sweeps: SweepSpec[];
  requests: RequestSpec[];
}

export interface HostileRequest {
  name: string;
  contentType: string;
  body: Buffer;
  expect: RequestSpec["expect"];
}

const casesFile = () => parse(readFileSync(CASES_FILE, "utf8")) as CasesFile;

/**
 * The whole requests of hostile-cases.yml, each `valid` item a fresh valid refund from
 * `validEvent` (the caller's, so ids are unique across requests).
 */
export function hostileRequests(validEvent: () => unknown): HostileRequest[] {
  return casesFile().requests.map((r) => {
    const envelope = (item: string) =>
      item === "valid" ? JSON.stringify({ topic: "refunds", value: validEvent() }) : item;
    const eol = r.eol ?? "\n";
    let body: string;
    if (r.text !== undefined) body = r.text;
    else if (r.json) body = `[${r.json.map(envelope).join(",")}]`;
    else if (r.lines) body = r.lines.map(envelope).join(eol) + eol;
    else {
      const lines: string[] = [];
      let size = 0;
      while (
        (r.repeat?.lines !== undefined && lines.length < r.repeat.lines) ||
        (r.repeat?.bytes !== undefined && size < r.repeat.bytes)
      ) {
        lines.push(envelope("valid"));
        size += lines.at(-1)!.length + 1;
      }
      body = lines.join(eol) + eol;
    }
    return {
      name: r.name,
      contentType: r.type ?? "application/x-ndjson",
      body: Buffer.from(body),
      expect: r.expect,
    };
  });
}

const refused = (field: string): Expected => ({ accepted: false, field });
const ACCEPTED: Expected = { accepted: true };
const json = (e: Event) => Buffer.from(JSON.stringify(e));

/** Placeholders in values: `$uuid` (a fresh seeded one), `$repeat:C:N` (C, N times). */
function resolve(value: unknown, next: () => number): unknown {
  if (typeof value !== "string" || !value.startsWith("$")) return value;
  if (value === "$uuid") return uuidFrom(next);
  const m = /^\$repeat:(.):(\d+)$/.exec(value);
  if (m) return m[1]!.repeat(Number(m[2]));
  return value;
}

/** The fields of `rules` a sweep names. */
function sweptFields(rules: TopicRules, base: Event, fields: string | string[]): string[] {
  return (Array.isArray(fields) ? fields : [fields]).flatMap((f) => {
    if (f === "all") return Object.keys(base);
    if (f === "uuids") return rules.uuids;
    if (f === "enums") return rules.enums;
    if (f === "numbers") return rules.numbers.map((n) => n.field);
    if (f === "strings") return rules.strings.map((n) => n.field);
    return [f];
  });
}

/** A sweep value for number field `n`: `$below`/`$above` the range, `$half`, `$min`; undefined: not for this field. */
function numberValue(rules: TopicRules, field: string, value: unknown): unknown {
  const n = rules.numbers.find((x) => x.field === field);
  const s = rules.strings.find((x) => x.field === field);
  if (value === "$long" && s) return "c".repeat(s.max + 1);
  if (!n || typeof value !== "string" || !value.startsWith("$")) return value;
  if (value === "$below") return n.min - 1;
  if (value === "$above") return n.max + 1;
  if (value === "$half") return n.integer ? n.min + 0.5 : undefined;
  if (value === "$min") return n.exclusiveMin ? n.min : undefined;
  return value;
}

/** The event changed as `spec` says, as bytes. */
function apply(spec: Partial<CaseSpec>, e: Event, rules: TopicRules, next: () => number): Buffer {
  if (spec.whole !== undefined) return Buffer.from(spec.whole);
  const out: Event = { ...e };
  for (const [k, v] of Object.entries(spec.set ?? {})) out[k] = resolve(v, next);
  for (const [k, v] of Object.entries(spec.add ?? {})) out[k] = (out[k] as number) + v;
  if (typeof spec.delete === "string") delete out[spec.delete];
  if (spec.upper) for (const f of rules.uuids) if (typeof out[f] === "string") out[f] = out[f].toUpperCase();
  if (spec.item) out.products = [{ ...(out.products as Event[])[0], ...spec.item }];
  if (spec.wrap) return json([out] as unknown as Event);
  let text = JSON.stringify(out);
  if (spec.prefix !== undefined) text = text.replace(/^\{/, `{${spec.prefix}`);
  if (spec.repeat) {
    const r = spec.repeat;
    text = text.replace(/^\{/, `{${r.before}${r.open.repeat(r.times)}${r.close.repeat(r.times)},`);
  }
  for (const [field, rawText] of Object.entries(spec.raw ?? {})) {
    const marker = "__RAW__";
    text = JSON.stringify({ ...out, [field]: marker }).replace(`"${marker}"`, rawText);
  }
  const bytes = Buffer.from(text);
  return spec.truncate !== undefined ? bytes.subarray(0, spec.truncate) : bytes;
}

function outcome(o: Outcome, field: string | undefined, topic: EventTopic): Expected {
  if (o === "accepted" || o === "duplicate") return ACCEPTED;
  if (o === "refused") return refused(field ?? "(event)");
  return refused(o.refused === "$id" ? ID_FIELD[topic] : o.refused);
}

/** Every case of hostile-cases.yml on `bases` seeded events per topic: >= 1,000 cases. */
export function hostileCorpus(seed = 42, bases = 5, now = Date.parse("2026-11-21T12:00:00Z")): HostileCase[] {
  const file = casesFile();
  const next = rng(seed);
  const out: HostileCase[] = [];
  const at = (offsetS: number) => new Date(now - 3_600_000 + offsetS * 1000).toISOString();
  const product = uuidFrom(next);
  for (const topic of Object.keys(RULES) as EventTopic[]) {
    const rules = RULES[topic];
    for (let b = 0; b < bases; b++) {
      const base = () => rules.base(next, at(b * 60 + Math.floor(next() * 60)), product);
      const add = (name: string, bytes: Buffer, expect: Expected, extra: Partial<HostileCase> = {}) =>
        out.push({ name: `${topic}#${b} ${name}`, topic, bytes, expect, ...extra });

      for (const spec of file.cases) {
        if (spec.topics && !spec.topics.includes(topic)) continue;
        if (!spec.copy) {
          add(spec.name, apply(spec, base(), rules, next), outcome(spec.expect, undefined, topic));
          continue;
        }
        // A pair: the first copy, then the same id again, with the same or another body.
        const first = base();
        add(`${spec.name} (first copy)`, json(first), ACCEPTED);
        const again = spec.copy === "same" ? first : { ...base(), [ID_FIELD[topic]]: first[ID_FIELD[topic]] };
        add(`${spec.name} (second copy)`, json(again), ACCEPTED, {
          duplicateOf: `${topic}#${b} ${spec.name} (first copy)`,
          ...(spec.copy === "changed" ? { conflict: true } : {}),
        });
      }
      for (const sweep of file.sweeps) {
        for (const field of sweptFields(rules, base(), sweep.fields)) {
          const name = (i: number, value: string) =>
            sweep.name.replace("{field}", field).replace("{i}", String(i)).replace("{value}", value);
          const expected = (value: unknown) =>
            value === null && rules.nullable.includes(field) ? ACCEPTED : outcome(sweep.expect, field, topic);
          if (sweep.delete)
            add(name(0, ""), apply({ delete: field }, base(), rules, next), expected(undefined));
          for (const raw of sweep.raw ?? [])
            add(
              name(0, raw),
              apply({ raw: { [field]: raw } }, base(), rules, next),
              outcome(sweep.expect, field, topic),
            );
          if (sweep.bytes) {
            // Raw bytes where a string belongs: spliced into the text, since they are not a string.
            const e = JSON.stringify({ ...base(), [field]: "@@" });
            const cut = e.indexOf('"@@"');
            add(
              name(0, ""),
              Buffer.concat([
                Buffer.from(e.slice(0, cut + 1)),
                Buffer.from(sweep.bytes),
                Buffer.from(e.slice(cut + 3)),
              ]),
              outcome(sweep.expect, field, topic),
            );
          }
          let i = 0;
          for (const raw of sweep.values ?? []) {
            const value = numberValue(rules, field, resolve(raw, next));
            if (value === undefined) continue;
            add(name(i++, JSON.stringify(value)), json({ ...base(), [field]: value }), expected(value));
          }
        }
      }
    }
  }
  return out;
}

/**
 * The corpus as a replay file (`ingest replay`'s events.ndjson): one line a case, the case's
 * bytes as the line's value whatever they are, so a broken case breaks only its own line.
 */
export function corpusEventsFile(corpus: readonly HostileCase[], file: string): void {
  writeFileSync(
    file,
    Buffer.concat(
      corpus.flatMap((c) => [
        Buffer.from(`{"topic":"${c.topic}","key":"k","value":`),
        c.bytes,
        Buffer.from("}\n"),
      ]),
    ),
  );
}
