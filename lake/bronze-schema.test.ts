import { describe, expect, it } from "vitest";
import { DlqRecord, SCHEMAS, TransactionItem } from "../core/events/schemas.ts";
import { ALL_TOPICS } from "../core/events/topics.ts";
import { BRONZE_SHAPES } from "./bronze-schema.ts";

describe("bronze shapes", () => {
  it("name exactly the fields of the event schemas, so the two cannot drift apart", () => {
    for (const topic of ALL_TOPICS) {
      const schema = { ...SCHEMAS, "dlq.events": DlqRecord }[topic];
      const expected = Object.keys(schema.properties).filter((k) => k !== "payload_encoding");
      expect(Object.keys(BRONZE_SHAPES[topic]), topic).toEqual(expected);
    }
    const items = BRONZE_SHAPES.transactions.products as Record<string, string>[];
    expect(Object.keys(items[0]!)).toEqual(Object.keys(TransactionItem.properties));
  });
});
