import { describe, expect, it } from "vitest";
import { decodeCursor, encodeCursor, queryDigest } from "./cursor.ts";

describe("cursors", () => {
  const digest = queryDigest("/v1/x", { segment: "Champions", limit: 10, cursor: "abc" });

  it("round-trips the key and the snapshot, whatever the page size", () => {
    const c = encodeCursor({ after: ["2026-11-20", 3, null], snapshot: "2026-11-20/run1" }, digest);
    expect(c).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(
      decodeCursor(c, queryDigest("/v1/x", { segment: "Champions", limit: 500 }), [
        "string",
        "number",
        "string?",
      ]),
    ).toEqual({
      after: ["2026-11-20", 3, null],
      snapshot: "2026-11-20/run1",
    });
  });

  it("refuses a cursor of another query, a tampered one, or garbage, naming the field", () => {
    const c = encodeCursor({ after: ["a"] }, digest);
    expect(() => decodeCursor(c, queryDigest("/v1/x", { segment: "At Risk" }), ["string"])).toThrow(
      /cursor: belongs to another query/,
    );
    expect(() => decodeCursor(c, digest, ["number"])).toThrow(/cursor: is not a cursor/);
    expect(() => decodeCursor(c, digest, ["string", "string"])).toThrow(/cursor/);
    const tampered = Buffer.from(JSON.stringify({ a: [{ $gt: "" }], q: digest })).toString("base64url");
    expect(() => decodeCursor(tampered, digest, ["string"])).toThrow(/cursor/);
    expect(() => decodeCursor("%%%", digest, ["string"])).toThrow(/cursor/);
  });
});
