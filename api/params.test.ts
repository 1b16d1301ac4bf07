import { describe, expect, it } from "vitest";
import { cents, fromCents, iso, money, timeRange } from "./params.ts";

describe("money", () => {
  it("writes every store's decimals as exactly two decimals", () => {
    expect(money("1234.5")).toBe("1234.50");
    expect(money("1234.50")).toBe("1234.50");
    expect(money(1234.5)).toBe("1234.50");
    expect(money(0.1 + 0.2)).toBe("0.30");
    expect(money("7")).toBe("7.00");
    expect(money(12n)).toBe("12.00");
    expect(money("-0.004")).toBe("0.00");
    expect(money("-2.345")).toBe("-2.35");
    expect(money("2.345")).toBe("2.35");
    expect(money(null)).toBe("0.00");
    expect(() => money("abc")).toThrow(TypeError);
  });

  it("sums exactly in cents", () => {
    expect(fromCents(cents("0.10") + cents("0.20"))).toBe("0.30");
    expect(fromCents(-5n)).toBe("-0.05");
    expect(fromCents(123456n)).toBe("1234.56");
  });
});

describe("iso", () => {
  it("reads Dates and DuckDB's JSON timestamps as UTC", () => {
    expect(iso(new Date("2026-11-20T10:00:00Z"))).toBe("2026-11-20T10:00:00.000Z");
    expect(iso("2026-11-20 10:00:00.123")).toBe("2026-11-20T10:00:00.123Z");
    expect(iso("2026-11-20 10:00:00+00")).toBe("2026-11-20T10:00:00.000Z");
    expect(iso("2026-11-20T12:00:00+02:00")).toBe("2026-11-20T10:00:00.000Z");
    expect(iso(null)).toBeNull();
    expect(() => iso("yesterday")).toThrow(TypeError);
  });
});

describe("timeRange", () => {
  const now = Date.parse("2026-11-20T10:00:00Z");
  const max = 7 * 86_400_000;

  it("defaults to the last hour before now, or before `to`", () => {
    expect(timeRange({}, max, now)).toEqual({ from: new Date("2026-11-20T09:00:00Z"), to: new Date(now) });
    expect(timeRange({ to: "2026-11-19T00:00:00Z" }, max, now).from).toEqual(
      new Date("2026-11-18T23:00:00Z"),
    );
    expect(timeRange({ from: "2026-11-19" }, max, now).from).toEqual(new Date("2026-11-19T00:00:00Z"));
  });

  it("refuses an empty, reversed or too wide range, naming the field", () => {
    expect(() => timeRange({ from: "2026-11-20T10:00:00Z" }, max, now)).toThrow(/from: must be before to/);
    expect(() => timeRange({ from: "2026-11-01T00:00:00Z" }, max, now)).toThrow(/at most 168 hours/);
    expect(() => timeRange({ from: "2026-02-30T00:00:00Z" }, max, now)).toThrow(/from/);
  });
});
