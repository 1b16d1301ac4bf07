import { describe, expect, it } from "vitest";
import { parseDuration, parseFlags, parseInstant, parseNumber } from "./args.ts";

describe("cli args", () => {
  it("parses durations", () => {
    expect(parseDuration("d", "10m")).toBe(600_000);
    expect(parseDuration("d", "1.5h")).toBe(5_400_000);
    expect(parseDuration("d", "45")).toBe(45_000);
    expect(parseDuration("d", "250ms")).toBe(250);
    expect(() => parseDuration("duration", "soon")).toThrow('--duration "soon": expected a duration');
  });

  it("parses bounded numbers", () => {
    expect(parseNumber("rate", "500", { min: 1 })).toBe(500);
    expect(() => parseNumber("rate", "0", { min: 1 })).toThrow("--rate");
    expect(() => parseNumber("rate", "1.5")).toThrow("an integer");
    expect(parseNumber("anomaly-rate", "0.01", { integer: false, max: 1 })).toBe(0.01);
  });

  it("parses dates as UTC", () => {
    expect(parseInstant("until", "2026-11-21")).toBe(Date.UTC(2026, 10, 21));
    expect(() => parseInstant("until", "tomorrow")).toThrow("--until");
  });

  it("reports unknown flags as configuration errors", () => {
    expect(() => parseFlags(["--nope"], { seed: { type: "string" } })).toThrow(/nope/);
  });
});
