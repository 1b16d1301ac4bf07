import { describe, expect, it } from "vitest";
import { iso } from "./event.ts";

describe("iso", () => {
  it("formats integer milliseconds exactly as Date#toISOString, in any order of calls", () => {
    const base = Date.parse("2026-11-01T00:00:00Z");
    const samples = [0, -1, -60_001, 59_999, 60_000, Date.parse("1999-12-31T23:59:59.999Z"), base];
    samples.push(Date.parse("+012345-01-01T00:00:00.000Z"), Date.parse("-000100-06-01T12:00:00.007Z"));
    // Times jumping around within hours and across the table's 128 slots, as sessions do.
    for (let i = 0; i < 20_000; i++) samples.push(base + Math.floor(((i * 7919) % 10_000) * 61_237.3));
    for (const ms of samples) expect(iso(ms)).toBe(new Date(ms).toISOString());
  });
});
