import { describe, expect, it } from "vitest";
import { PROCESSES, schedule, scheduleEnd, SERVERS } from "./schedule.ts";

const options = { seed: 7, kills: 20, outageMs: 30_000, pauseMs: 30_000, settleMs: 20_000, startMs: 10_000 };

describe("the chaos schedule", () => {
  it("holds every fault kind, each process killed and each server stopped, and the kills asked for", () => {
    const faults = schedule(options).map((s) => s.fault);
    const kills = faults.filter((f) => f.kind === "kill");
    expect(kills).toHaveLength(20);
    for (const p of PROCESSES)
      expect(
        kills.some((f) => f.process === p),
        p,
      ).toBe(true);
    const stops = faults.flatMap((f) => (f.kind === "server-stop" ? [f.servers.join("+")] : []));
    expect(stops.sort()).toEqual([...SERVERS, "postgres+kafka"].sort());
    expect(faults.filter((f) => f.kind === "zombie")).toHaveLength(1);
    expect(faults.filter((f) => f.kind === "lake-unwritable")).toHaveLength(1);
  });

  it("never overlaps two faults, and leaves each its settle time", () => {
    const s = schedule(options);
    for (let i = 1; i < s.length; i++)
      expect(s[i]!.at).toBeGreaterThanOrEqual(s[i - 1]!.at + s[i - 1]!.holdMs + options.settleMs);
    expect(s[0]!.at).toBeGreaterThanOrEqual(options.startMs);
    expect(scheduleEnd(s, options.settleMs)).toBe(s.at(-1)!.at + s.at(-1)!.holdMs + options.settleMs);
  });

  it("is the same for the same seed and differs for another", () => {
    expect(schedule(options)).toEqual(schedule(options));
    expect(schedule({ ...options, seed: 8 })).not.toEqual(schedule(options));
  });

  it("kills each process once when fewer kills are asked for than there are processes", () => {
    const kills = schedule({ ...options, kills: 0 }).filter((s) => s.fault.kind === "kill");
    expect(kills).toHaveLength(PROCESSES.length);
  });
});
