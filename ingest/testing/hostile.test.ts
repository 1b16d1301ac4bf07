/**
 * The hostile corpus through the edge, as the collector and the file replay apply it: every
 * case accepted or refused as the corpus says, refused ones with a reason naming the field and
 * a DLQ record that keeps the original bytes, and nothing thrown or polluted.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { dlqPayloadBytes } from "../../core/events/dlq.ts";
import type { DlqRecord } from "../../core/events/schemas.ts";
import { LIMITS } from "../../core/events/schemas.ts";
import { admit } from "../edge.ts";
import { readEventsFile } from "../replay/ndjson.ts";
import { corpusEventsFile, hostileCorpus } from "./hostile.ts";

/** What the edge makes of one producer's bytes: parse, then admit. */
function atTheEdge(topic: string, bytes: Buffer) {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString("utf8"));
  } catch {
    return { ok: false as const, field: "(event)" };
  }
  return admit(topic, value, { raw: bytes });
}

describe("the hostile corpus at the edge", () => {
  const corpus = hostileCorpus();

  it("has over a thousand cases, seeded: the same seed gives the same bytes", () => {
    expect(corpus.length).toBeGreaterThanOrEqual(1000);
    const again = hostileCorpus();
    expect(again.map((c) => c.bytes.toString("base64"))).toEqual(
      corpus.map((c) => c.bytes.toString("base64")),
    );
    expect(new Set(corpus.map((c) => c.name)).size).toBe(corpus.length);
  });

  it("accepts or refuses each case as it should, naming the field, keeping the bytes", () => {
    const wrong: string[] = [];
    for (const c of corpus) {
      const result = atTheEdge(c.topic, c.bytes);
      if (result.ok !== c.expect.accepted) {
        wrong.push(`${c.name}: ${result.ok ? "accepted" : `refused (${result.field})`}`);
        continue;
      }
      if (!result.ok && !c.expect.accepted) {
        if (result.field !== c.expect.field)
          wrong.push(`${c.name}: refused on ${result.field}, not ${c.expect.field}`);
        if ("record" in result) {
          const dlq = JSON.parse(result.record.value.toString()) as DlqRecord;
          expect(dlq.error_reason.startsWith(`${c.expect.field}:`), c.name).toBe(true);
          const kept = dlqPayloadBytes(dlq);
          const whole = c.bytes.length <= LIMITS.maxDlqPayloadBytes;
          expect(kept.equals(whole ? c.bytes : c.bytes.subarray(0, LIMITS.maxDlqPayloadBytes)), c.name).toBe(
            true,
          );
        }
      }
    }
    expect(wrong).toEqual([]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  it("reads every case from an events file without stopping, each as the corpus says", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hostile-"));
    const file = join(dir, "events.ndjson");
    corpusEventsFile(corpus, file);
    const wrong: string[] = [];
    let i = 0;
    for await (const item of readEventsFile(file)) {
      const c = corpus[i++]!;
      const ok = item.kind === "event" && admit(item.topic, item.value, { raw: item.raw }).ok;
      if (ok !== c.expect.accepted) wrong.push(`${c.name}: ${ok ? "accepted" : "refused"}`);
    }
    expect(i).toBe(corpus.length);
    expect(wrong).toEqual([]);
  });
});
