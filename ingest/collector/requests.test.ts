/**
 * The hostile whole requests of ingest/testing/hostile-cases.yml (broken NDJSON lines, bodies
 * over the limit, wrong content types...) sent to the collector over a real socket: each gets
 * the status and per-event answers the file says, every accepted event is written once, every
 * rejected one becomes a DLQ record, and the collector still answers afterwards.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KeyRing, parseApiKeys } from "../../core/api-keys.ts";
import { RecordingLog } from "../../core/eventlog/recording-log.ts";
import { createLogger } from "../../core/logger.ts";
import { hostileRequests } from "../testing/hostile.ts";
import { buildCollector } from "./server.ts";

const KEY = "requests-key-123";
const validRefund = () => ({
  refund_id: randomUUID(),
  transaction_id: randomUUID(),
  user_id: randomUUID(),
  timestamp: new Date().toISOString(),
  amount: 12.5,
  reason: "damaged",
});

describe("hostile requests to the collector over HTTP", () => {
  const log = new RecordingLog();
  const app = buildCollector({
    producer: log,
    keys: new KeyRing(parseApiKeys(`ingest:${KEY}:events:write`, "test")),
    logger: createLogger({ level: "silent" }),
  });
  let base = "";
  beforeAll(async () => {
    base = await app.listen({ port: 0, host: "127.0.0.1" });
  });
  afterAll(() => app.close());

  const requests = hostileRequests(validRefund);
  let accepted = 0;
  let rejected = 0;

  it.each(requests.map((r) => [r.name, r] as const))("%s", async (_name, r) => {
    const res = await fetch(`${base}/v1/events`, {
      method: "POST",
      headers: { "content-type": r.contentType, "x-api-key": KEY },
      body: new Uint8Array(r.body),
    });
    const answer = (await res.json()) as {
      error?: { field?: string; message: string };
      results?: { status: string; field?: string }[];
    };
    expect(res.status, JSON.stringify(answer).slice(0, 300)).toBe(r.expect.status);
    if (r.expect.field) expect(answer.error?.field, answer.error?.message).toBe(r.expect.field);
    if (r.expect.results) {
      const got = answer.results!.map((x) =>
        x.status === "accepted" ? "accepted" : { [x.status]: x.field },
      );
      expect(got).toEqual(r.expect.results);
      accepted += got.filter((x) => x === "accepted").length;
      rejected += got.length - got.filter((x) => x === "accepted").length;
    }
  });

  it("wrote every accepted event once and a DLQ record for every rejected one, and still answers", async () => {
    expect(accepted).toBeGreaterThan(0);
    expect(log.ofTopic("refunds")).toHaveLength(accepted);
    expect(log.ofTopic("dlq.events")).toHaveLength(rejected);
    expect((await fetch(`${base}/health`)).status).toBe(200);
  });
});
