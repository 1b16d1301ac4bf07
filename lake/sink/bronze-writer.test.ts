import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EVENT_TOPICS } from "../../core/events/topics.ts";
import { hostileCorpus } from "../../ingest/testing/hostile.ts";
import { BronzeWriter, type WriteResult } from "./bronze-writer.ts";
import { TopicBatch, type SinkRecord } from "./topic-batch.ts";

const T0 = Date.UTC(2026, 10, 21, 10, 59, 0);
const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;

function view(n: number, at: number, extra: Record<string, unknown> = {}) {
  return {
    event_id: uuid(n),
    user_id: uuid(1000 + n),
    product_id: uuid(2000),
    session_id: uuid(3000),
    timestamp: new Date(at).toISOString(),
    duration_seconds: 12.5,
    category: "Running",
    ...extra,
  };
}

let dir: string;
let writer: BronzeWriter;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "bronze-"));
  writer = await BronzeWriter.open(join(dir, "work"));
});
afterAll(async () => {
  writer.close();
  await rm(dir, { recursive: true, force: true });
});

async function read(result: WriteResult, key: RegExp) {
  const files = result.files.filter((f) => key.test(f.key));
  const db = await DuckDBInstance.create(":memory:");
  const conn = await db.connect();
  await conn.run("SET TimeZone = 'UTC'");
  const list = files.map((f) => `'${f.path}'`).join(", ");
  const reader = await conn.runAndReadAll(
    `SELECT * FROM read_parquet([${list}], hive_partitioning = false) ORDER BY kafka_partition, kafka_offset`,
  );
  const rows = reader.getRowObjectsJson();
  conn.closeSync();
  db.closeSync();
  return rows;
}

describe("BronzeWriter", () => {
  it("writes one file per partition and event hour, named by the offsets, with every value typed", async () => {
    const batch = new TopicBatch("product_views");
    const records: SinkRecord[] = [];
    for (let i = 0; i < 10; i++) {
      const at = T0 + i * 20_000; // crosses 11:00 after three records
      records.push({
        partition: i % 2,
        offset: 100 + i,
        timestamp: at + 5,
        value: Buffer.from(JSON.stringify(view(i, at))),
      });
    }
    for (const r of records) batch.add(r, 0);
    const result = await writer.write(batch, T0 + 3_600_000);
    expect(result.rejected).toBe(0);
    expect(result.files.map((f) => f.key).sort()).toEqual([
      "bronze/product_views/dt=2026-11-21/hr=10/product_views+0+100-102.parquet",
      "bronze/product_views/dt=2026-11-21/hr=10/product_views+1+101-101.parquet",
      "bronze/product_views/dt=2026-11-21/hr=11/product_views+0+104-108.parquet",
      "bronze/product_views/dt=2026-11-21/hr=11/product_views+1+103-109.parquet",
    ]);
    const rows = await read(result, /./);
    expect(rows).toHaveLength(10);
    expect(rows[0]).toEqual({
      ...view(0, T0),
      timestamp: "2026-11-21 10:59:00+00",
      kafka_topic: "product_views",
      kafka_partition: 0,
      kafka_offset: "100",
      kafka_timestamp: "2026-11-21 10:59:00.005+00",
      ingested_at: "2026-11-21 11:59:00+00",
    });
    await writer.discard(result);
  });

  it("keeps odd but valid JSON, drops unknown fields, and sends the rest to the DLQ with a reason", async () => {
    const batch = new TopicBatch("product_views");
    const ok = JSON.stringify(view(1, T0));
    const cases: [string, Buffer | null][] = [
      ["valid", Buffer.from(ok)],
      ["pretty", Buffer.from(JSON.stringify(view(2, T0), null, 2))],
      ["spaced", Buffer.from(ok.replaceAll(",", " , "))],
      ["drift", Buffer.from(JSON.stringify(view(3, T0, { referrer: "ads", nested: { a: [1] } })))],
      ["broken", Buffer.from(ok.slice(0, 40))],
      ["trailing", Buffer.from(`${ok},"x":1`)],
      ["empty", null],
      ["wrong type", Buffer.from(JSON.stringify(view(4, T0, { duration_seconds: "long" })))],
      ["missing", Buffer.from(JSON.stringify({ ...view(5, T0), category: undefined }))],
      ["year 99999", Buffer.from(JSON.stringify(view(6, T0, { timestamp: "99999-01-01T00:00:00Z" })))],
      ["array", Buffer.from("[1,2]")],
      ["not utf8", Buffer.from([0xff, 0xfe, 0x7b])],
    ];
    cases.forEach(([, value], i) => batch.add({ partition: 0, offset: i, timestamp: T0, value }, 0));
    const result = await writer.write(batch, T0);
    const good = await read(result, /^bronze\/product_views\//);
    expect(good.map((r) => Number(r.kafka_offset))).toEqual([0, 1, 2, 3]);
    expect(Object.keys(good[3]!)).not.toContain("referrer");
    const dlq = await read(result, /^bronze\/dlq\.events\//);
    expect(dlq.map((r) => Number(r.kafka_offset))).toEqual([4, 5, 6, 7, 8, 9, 10, 11]);
    const reason = (offset: number) =>
      dlq.find((r) => Number(r.kafka_offset) === offset)!.error_reason as string;
    expect(reason(4)).toMatch(/^lake sink: \(event\): not valid JSON/);
    expect(reason(5)).toMatch(/not valid JSON/);
    expect(reason(6)).toMatch(/no value/);
    expect(reason(7)).toMatch(/duration_seconds/);
    expect(reason(8)).toMatch(/category/);
    expect(reason(9)).toMatch(/^lake sink: timestamp:/);
    expect(reason(10)).toMatch(/JSON object/);
    for (const row of dlq) {
      expect(row.original_topic).toBe("product_views");
      expect(row.kafka_topic).toBe("product_views");
      expect(row.timestamp).toBe("2026-11-21 10:59:00+00");
    }
    // The payload is kept byte for byte: text when it is UTF-8 JSON, base64 otherwise.
    const trailing = dlq.find((r) => Number(r.kafka_offset) === 5)!;
    expect(Buffer.from(trailing.payload as string, "base64").toString()).toBe(`${ok},"x":1`);
    const binary = dlq.find((r) => Number(r.kafka_offset) === 11)!;
    expect(binary.payload_encoding).toBe("base64");
    expect(Buffer.from(binary.payload as string, "base64")).toEqual(Buffer.from([0xff, 0xfe, 0x7b]));
    expect(result.files.filter((f) => f.key.startsWith("bronze/dlq.events/")).map((f) => f.key)).toEqual([
      "bronze/dlq.events/dt=2026-11-21/hr=10/product_views+0+4-11.parquet",
    ]);
    await writer.discard(result);
  });

  it("stores DLQ records with their payload untouched and wraps a broken one in a new DLQ row", async () => {
    const batch = new TopicBatch("dlq.events");
    const record = {
      original_topic: "transactions",
      event_id: null,
      error_reason: "total_amount: expected 10, got 11",
      retry_count: 0,
      timestamp: new Date(T0).toISOString(),
      payload: '{"weird":  "spacing"}',
    };
    batch.add({ partition: 2, offset: 7, timestamp: T0, value: Buffer.from(JSON.stringify(record)) }, 0);
    batch.add({ partition: 2, offset: 8, timestamp: T0 + 1, value: Buffer.from("garbage") }, 0);
    const result = await writer.write(batch, T0);
    expect(result.files.map((f) => f.key)).toEqual([
      "bronze/dlq.events/dt=2026-11-21/hr=10/dlq.events+2+7-8.parquet",
    ]);
    const rows = await read(result, /./);
    expect(rows[0]).toMatchObject({
      ...record,
      timestamp: "2026-11-21 10:59:00+00",
      payload_encoding: "utf8",
    });
    expect(rows[1]).toMatchObject({
      original_topic: "dlq.events",
      payload_encoding: "base64",
      kafka_offset: "8",
    });
    expect(Buffer.from(rows[1]!.payload as string, "base64").toString()).toBe("garbage");
    expect(rows[1]!.error_reason as string).toMatch(/not valid JSON/);
    await writer.discard(result);
  });

  it("stores every event of the hostile corpus once, as a row or a DLQ row, and every valid one as a row", async () => {
    for (const topic of EVENT_TOPICS) {
      const cases = hostileCorpus().filter((c) => c.topic === topic);
      const batch = new TopicBatch(topic);
      cases.forEach((c, i) => batch.add({ partition: 0, offset: i, timestamp: T0, value: c.bytes }, T0));
      const result = await writer.write(batch, T0);
      try {
        expect(result.rows, topic).toBe(cases.length);
        const rows = await read(result, new RegExp(`^bronze/${topic}/`));
        const dlq = await read(result, /^bronze\/dlq\.events\//);
        expect(rows.length + dlq.length, topic).toBe(cases.length);
        expect(result.rejected, topic).toBe(dlq.length);
        // Whatever the edge would accept, the lake types as a row: the sink drops nothing valid.
        const typed = new Set(rows.map((r) => Number(r.kafka_offset)));
        const lost = cases.filter(
          (c, i) => c.expect.accepted && !c.name.endsWith("oversized") && !typed.has(i),
        );
        expect(
          lost.map((c) => c.name),
          topic,
        ).toEqual([]);
      } finally {
        await writer.discard(result);
      }
    }
  });
});
