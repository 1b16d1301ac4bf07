import { describe, expect, it } from "vitest";
import { previousDay } from "./schedule.ts";

describe("previousDay", () => {
  it("is the day before the tick in the schedule's time zone", () => {
    const tick = new Date("2026-11-21T01:30:00Z");
    expect(previousDay(tick, "UTC")).toBe("2026-11-20");
    expect(previousDay(tick, "America/New_York")).toBe("2026-11-19"); // still the 20th there
  });
});
