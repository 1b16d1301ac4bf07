import { describe, expect, it } from "vitest";
import type { EventTopic } from "../core/events/topics.ts";
import { generate, simulatorFor } from "./generate.ts";
import type { EventOutput } from "./outputs.ts";

/** Records when (on the virtual clock) each event was written. */
class RecordingOutput implements EventOutput {
  readonly writes: { at: number; eventAt: number; topic: EventTopic }[] = [];
  constructor(private readonly clock: { now: number }) {}
  write(topic: EventTopic, _key: string, value: object): boolean {
    this.writes.push({
      at: this.clock.now,
      eventAt: Date.parse((value as { timestamp: string }).timestamp),
      topic,
    });
    return true;
  }
  async waitForRoom(): Promise<void> {}
  async close(): Promise<void> {}
}

describe("generate in real time", () => {
  const startAt = Date.parse("2026-11-21T12:00:00.000Z");

  async function run(eventsPerSecond: number, durationMs: number) {
    const clock = { now: startAt };
    const output = new RecordingOutput(clock);
    const simulator = simulatorFor({
      seed: 3,
      users: 1_000_000,
      products: 5000,
      anomalyRate: 0,
      mode: { kind: "realtime", eventsPerSecond, durationMs, startAt },
    });
    await generate(simulator, output, {
      realtime: true,
      now: () => clock.now,
      sleep: async (ms) => void (clock.now += ms),
    });
    return output.writes;
  }

  it.each([
    [50, 600_000],
    [500, 120_000],
    [2000, 20_000],
  ])(
    "holds %i events/s (within 5 percent) over %i ms, steady from the start",
    { timeout: 60_000 },
    async (rate, duration) => {
      const writes = await run(rate, duration);
      expect(writes.length / (duration / 1000)).toBeGreaterThan(rate * 0.95);
      expect(writes.length / (duration / 1000)).toBeLessThan(rate * 1.05);
      // Steady from the start: the first fifth of the run carries about a fifth of the events.
      const early = writes.filter((w) => w.at < startAt + duration / 5).length;
      expect(early / writes.length).toBeGreaterThan(0.15);
      expect(early / writes.length).toBeLessThan(0.25);
    },
  );

  it(
    "writes each event when the clock reaches its timestamp, never before, and stamps it with now",
    { timeout: 30_000 },
    async () => {
      const writes = await run(500, 60_000);
      for (const w of writes) {
        expect(w.at).toBeGreaterThanOrEqual(w.eventAt - 4); // within the 4 ms burst window
        expect(w.at - w.eventAt).toBeLessThan(1000);
        expect(w.eventAt).toBeGreaterThanOrEqual(startAt);
        expect(w.eventAt).toBeLessThan(startAt + 60_000);
      }
    },
  );
});
