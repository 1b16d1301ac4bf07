import { afterEach, describe, expect, it } from "vitest";
import { RecordingLog } from "../../core/eventlog/recording-log.ts";
import type { DlqRecord } from "../../core/events/schemas.ts";
import { createLogger } from "../../core/logger.ts";
import { KeyRing, parseApiKeys } from "../../core/api-keys.ts";
import { buildCollector } from "./server.ts";

const KEY = "test-key-123";
const user = "6f1c2f1e-2b7a-4c55-9a62-0d6c8f1e7a10";
const refund = (id: string, extra: Record<string, unknown> = {}) => ({
  topic: "refunds",
  value: {
    refund_id: `0b3f4c52-1f0e-4c8b-9d8e-6a7b8c9d${id.padStart(4, "0")}`,
    transaction_id: "1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f",
    user_id: user,
    timestamp: new Date().toISOString(),
    amount: 10,
    reason: "late",
    ...extra,
  },
});

function collector(log = new RecordingLog(), extra: Partial<Parameters<typeof buildCollector>[0]> = {}) {
  return {
    log,
    app: buildCollector({
      producer: log,
      keys: new KeyRing(parseApiKeys(`ingest:${KEY}:events:write,reader:other:realtime:read`, "test")),
      logger: createLogger({ level: "silent" }),
      ...extra,
    }),
  };
}

const post = (app: ReturnType<typeof collector>["app"], body: string, headers: Record<string, string> = {}) =>
  app.inject({
    method: "POST",
    url: "/v1/events",
    payload: body,
    headers: { "content-type": "application/json", "x-api-key": KEY, ...headers },
  });

describe("collector", () => {
  let current: ReturnType<typeof collector> | undefined;
  afterEach(async () => current?.app.close());

  it("accepts a JSON array and writes the events, answering per event", async () => {
    current = collector();
    const res = await post(current.app, JSON.stringify([refund("1"), refund("2")]));
    expect(res.statusCode).toBe(202);
    expect(res.json()).toMatchObject({
      accepted: 2,
      rejected: 0,
      duplicates: 0,
      results: [
        { index: 0, status: "accepted" },
        { index: 1, status: "accepted" },
      ],
    });
    expect(current.log.ofTopic("refunds")).toHaveLength(2);
  });

  it("accepts NDJSON with a Bearer token; a malformed line fails alone and goes to the DLQ", async () => {
    current = collector();
    const body = [JSON.stringify(refund("1")), "{broken", JSON.stringify(refund("2"))].join("\n");
    const res = await post(current.app, body, {
      "content-type": "application/x-ndjson",
      "x-api-key": "",
      authorization: `Bearer ${KEY}`,
    });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toMatchObject({
      accepted: 2,
      rejected: 1,
      results: [
        { status: "accepted" },
        { status: "rejected", field: "(event)", reason: expect.stringMatching(/^line 2: malformed JSON/) },
        { status: "accepted" },
      ],
    });
    const dlq = current.log.ofTopic("dlq.events")[0] as DlqRecord;
    expect(dlq.payload_encoding).toBe("base64"); // not valid JSON, so kept byte for byte as base64
    expect(Buffer.from(dlq.payload, "base64").toString()).toBe("{broken");
  });

  it("rejects bad events with the field and reason, accepts the rest (partly bad request)", async () => {
    current = collector();
    const res = await post(
      current.app,
      JSON.stringify([refund("1"), refund("2", { amount: "ten" }), { topic: "orders", value: {} }]),
    );
    expect(res.statusCode).toBe(202);
    const results = res.json<{ results: { status: string; field?: string; reason?: string }[] }>().results;
    expect(results.map((r) => r.status)).toEqual(["accepted", "rejected", "rejected"]);
    expect(results[1]).toMatchObject({
      field: "amount",
      reason: 'amount: expected a number above 0 and up to 100000000, got "ten"',
    });
    expect(results[2]).toMatchObject({ field: "topic", reason: expect.stringContaining("unknown topic") });
    expect(current.log.ofTopic("dlq.events")).toHaveLength(2);
  });

  it("answers 400 when nothing in the request was acceptable", async () => {
    current = collector();
    const res = await post(current.app, JSON.stringify([refund("1", { reason: "bored" })]));
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ accepted: 0, rejected: 1 });
  });

  it("accepts a repeated event id once within the window, also within one request", async () => {
    current = collector();
    const event = refund("1");
    expect((await post(current.app, JSON.stringify([event, event]))).json()).toMatchObject({
      accepted: 1,
      duplicates: 1,
    });
    expect((await post(current.app, JSON.stringify([event]))).json()).toMatchObject({
      accepted: 0,
      duplicates: 1,
    });
    expect(current.log.ofTopic("refunds")).toHaveLength(1);
  });

  it("refuses an id already accepted with another body, naming the id field, into the DLQ", async () => {
    current = collector();
    await post(current.app, JSON.stringify([refund("2")]));
    const res = await post(current.app, JSON.stringify([refund("2", { amount: 99 })]));
    expect(res.statusCode).toBe(400);
    expect(
      res.json<{ results: { status: string; field: string; reason: string }[] }>().results[0],
    ).toMatchObject({
      status: "rejected",
      field: "refund_id",
      reason: expect.stringContaining("already accepted with another body"),
    });
    expect(current.log.ofTopic("refunds")).toHaveLength(1);
    expect(current.log.ofTopic("dlq.events")).toHaveLength(1);
  });

  it.each([
    ["malformed JSON", "[{", { "content-type": "application/json" }, 400, /malformed JSON/],
    ["not an array", "{}", { "content-type": "application/json" }, 400, /expected a JSON array/],
    ["empty array", "[]", { "content-type": "application/json" }, 400, /no events/],
    [
      "wrong content type",
      "a,b",
      { "content-type": "text/csv" },
      415,
      /content-type|Unsupported Media Type/i,
    ],
    ["no API key", "[]", { "x-api-key": "" }, 401, /API key/],
    ["wrong API key", "[]", { "x-api-key": "nope" }, 401, /API key/],
    ["a read-only key", "[]", { "x-api-key": "other" }, 403, /events:write/],
  ])("answers %s with the right status and a reason", async (_name, body, headers, status, message) => {
    current = collector();
    const res = await post(current.app, body, headers);
    expect(res.statusCode).toBe(status);
    expect(res.json<{ error: { message: string } }>().error.message).toMatch(message);
    expect(current.log.records).toHaveLength(0);
  });

  it("answers 413 over the size limit", async () => {
    current = collector(new RecordingLog(), { bodyLimitBytes: 1000 });
    const res = await post(
      current.app,
      JSON.stringify(Array.from({ length: 20 }, (_, i) => refund(String(i)))),
    );
    expect(res.statusCode).toBe(413);
    expect(res.json()).toMatchObject({ error: { status: 413, field: "body" } });
  });

  it("answers 503 when the log does not acknowledge in time, and a retry is not a duplicate", async () => {
    const log = new RecordingLog();
    current = collector(log, { ackTimeoutMs: 50 });
    log.hold();
    const res = await post(current.app, JSON.stringify([refund("1")]));
    expect(res.statusCode).toBe(503);
    expect(res.headers["retry-after"]).toBe("5");
    log.release();
    const retry = await post(current.app, JSON.stringify([refund("1")]));
    expect(retry.json()).toMatchObject({ accepted: 1, duplicates: 0 });
  });

  it("serves /health and /metrics without a key", async () => {
    current = collector();
    await post(current.app, JSON.stringify([refund("1")]));
    expect((await current.app.inject({ url: "/health" })).json()).toEqual({ status: "ok" });
    const metrics = (await current.app.inject({ url: "/metrics" })).body;
    expect(metrics).toMatch(/lakehouse_collector_events_total\{[^}]*status="accepted"[^}]*\} [1-9]/);
    expect(metrics).toMatch(/lakehouse_collector_request_seconds_count\{[^}]*status="202"[^}]*\} [1-9]/);
  });
});
