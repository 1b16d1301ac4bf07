/**
 * Reads an events file as written by `ingest generate --out` (SPEC section 7): one
 * `{"topic","key","value"}` per line. A line that is not such an envelope becomes an invalid
 * item with its line number, so it reaches the DLQ instead of stopping the replay.
 */
import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { nestedTooDeep, parseTimestamp, TOO_DEEP } from "../../core/events/validate.ts";
import type { ReplayItem } from "./item.ts";

export async function* readEventsFile(path: string): AsyncGenerator<ReplayItem> {
  const lines = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
  let lineNo = 0;
  for await (const line of lines) {
    lineNo++;
    if (line.trim() === "") continue;
    let envelope: unknown;
    try {
      envelope = JSON.parse(line);
    } catch (err) {
      yield {
        kind: "invalid",
        topic: "unknown",
        raw: line,
        reason: `line ${lineNo}: malformed JSON (${(err as Error).message})`,
      };
      continue;
    }
    const { topic, value } = (envelope ?? {}) as { topic?: unknown; value?: unknown };
    if (typeof topic !== "string" || typeof value !== "object" || value === null) {
      yield {
        kind: "invalid",
        topic: typeof topic === "string" ? topic : "unknown",
        raw: line,
        reason: `line ${lineNo}: expected {"topic","key","value"}`,
      };
      continue;
    }
    // Before it is serialised again: a deep enough value overflows JSON.stringify's stack.
    if (nestedTooDeep(value)) {
      yield { kind: "invalid", topic, raw: line, reason: `line ${lineNo}: ${TOO_DEEP}` };
      continue;
    }
    const timestamp = (value as { timestamp?: unknown }).timestamp;
    yield {
      kind: "event",
      topic,
      value,
      raw: JSON.stringify(value),
      at: typeof timestamp === "string" ? parseTimestamp(timestamp) : undefined,
    };
  }
}
