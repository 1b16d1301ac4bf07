/**
 * The hostile corpus through the HTTP collector (NDJSON, 40 events a request): each case gets
 * its own answer, accepted (written once, an exact duplicate answered as such) or rejected
 * naming the field the corpus says, with a DLQ record for every rejection; nothing else lost.
 */
import { describe, expect, it } from "vitest";
import { KeyRing, parseApiKeys } from "../../core/api-keys.ts";
import { RecordingLog } from "../../core/eventlog/recording-log.ts";
import { ID_FIELD } from "../../core/events/topics.ts";
import { createLogger } from "../../core/logger.ts";
import { hostileCorpus } from "../testing/hostile.ts";
import { buildCollector } from "./server.ts";

const KEY = "hostile-key-123";

describe("the hostile corpus through the collector", () => {
  it("answers every case as the corpus says, and writes accepted ones once and rejected ones to the DLQ", async () => {
    const log = new RecordingLog();
    const app = buildCollector({
      producer: log,
      keys: new KeyRing(parseApiKeys(`ingest:${KEY}:events:write`, "test")),
      logger: createLogger({ level: "silent" }),
    });
    try {
      const corpus = hostileCorpus();
      const wrong: string[] = [];
      let accepted = 0;
      let rejected = 0;
      for (let i = 0; i < corpus.length; i += 40) {
        const cases = corpus.slice(i, i + 40);
        const body = Buffer.concat(
          cases.flatMap((c) => [Buffer.from(`{"topic":"${c.topic}","value":`), c.bytes, Buffer.from("}\n")]),
        );
        const res = await app.inject({
          method: "POST",
          url: "/v1/events",
          payload: body,
          headers: { "content-type": "application/x-ndjson", "x-api-key": KEY },
        });
        expect([202, 400], res.body.slice(0, 200)).toContain(res.statusCode);
        const { results } = res.json<{ results: { index: number; status: string; field?: string }[] }>();
        expect(results).toHaveLength(cases.length);
        for (const [k, c] of cases.entries()) {
          const r = results[k]!;
          // A second copy of an id is a duplicate, or refused on the id field when its body differs.
          const want = c.conflict
            ? "rejected"
            : c.duplicateOf
              ? "duplicate"
              : c.expect.accepted
                ? "accepted"
                : "rejected";
          const field = c.conflict ? ID_FIELD[c.topic] : c.expect.accepted ? undefined : c.expect.field;
          if (r.status !== want)
            wrong.push(`${c.name}: ${r.status}${r.field ? ` (${r.field})` : ""}, not ${want}`);
          else if (field !== undefined && r.field !== field)
            wrong.push(`${c.name}: rejected on ${r.field}, not ${field}`);
          if (r.status === "accepted") accepted++;
          if (r.status === "rejected") rejected++;
        }
      }
      expect(wrong).toEqual([]);
      const written = ["transactions", "product_views", "cart_events", "refunds"].reduce(
        (n, t) => n + log.ofTopic(t).length,
        0,
      );
      expect(written).toBe(accepted);
      expect(log.ofTopic("dlq.events")).toHaveLength(rejected);
    } finally {
      await app.close();
    }
  });
});
