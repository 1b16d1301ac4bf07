import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { keyHash } from "../core/eventlog/partitioner.ts";
import type { LogRecord } from "../core/eventlog/port.ts";
import { RecordingLog } from "../core/eventlog/recording-log.ts";
import { backfillToLog } from "./backfill.ts";
import { labelLine } from "./generator/event.ts";
import { ShardedSimulation } from "./generator/sharded.ts";
import { simulationOptions, simulatorFor, type GenerateOptions } from "./generate.ts";
import { NdjsonFile } from "./outputs.ts";

/** Keeps what it is given; now and then says its buffer is full. */
class FullNowAndThen extends RecordingLog {
  waits = 0;
  override enqueue(record: LogRecord): boolean {
    super.enqueue(record);
    return this.records.length % 997 !== 0;
  }
  override async waitForRoom(): Promise<void> {
    this.waits++;
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

const options: GenerateOptions = {
  seed: 3,
  users: 4000,
  products: 800,
  anomalyRate: 0.01,
  mode: { kind: "backfill", days: 1, until: Date.parse("2026-11-01T00:00:00Z"), transactionsPerDay: 6000 },
};

describe("backfill on simulation threads", { timeout: 60_000 }, () => {
  it("produces exactly the merged simulation's sequence, labels in step, whatever the threads' timing", async () => {
    const expected = [...simulatorFor(options).events()];
    const producer = new FullNowAndThen();
    const path = join(mkdtempSync(join(tmpdir(), "backfill-")), "labels.ndjson");
    const labels = new NdjsonFile(path);
    const result = await backfillToLog(options, producer, { labels });
    await labels.close();

    expect(result).toEqual({ events: expected.length, rejected: 0 });
    // Keys are hashed on the simulation threads; the hash must be the key's.
    expect(producer.records.filter((r) => r.keyHash !== keyHash(r.key))).toEqual([]);
    expect(producer.waits).toBeGreaterThan(0);
    expect(
      producer.records.map((r) => ({ topic: r.topic, key: r.key, value: r.value.toString("utf8") })),
    ).toEqual(expected.map((e) => ({ topic: e.topic, key: e.key, value: JSON.stringify(e.value) })));
    const wantLabels = expected.filter((e) => e.labels).map((e) => labelLine(e.value, e.labels!));
    expect(wantLabels.length).toBeGreaterThan(0);
    expect(readFileSync(path, "utf8").split("\n").filter(Boolean)).toEqual(wantLabels);
  });

  it("merges shards of disjoint shoppers in event-time order, each shard's own order kept", () => {
    const sim = new ShardedSimulation(simulationOptions(options), 2);
    const merged = [...sim.events()];
    const alone = [0, 1].map((index) => [
      ...new ShardedSimulation(simulationOptions(options), 2).shards[index]!.events(),
    ]);
    expect(alone[0]!.length).toBeGreaterThan(1000);
    expect(alone[1]!.length).toBeGreaterThan(1000);
    expect(merged).toHaveLength(alone[0]!.length + alone[1]!.length);
    for (let i = 1; i < merged.length; i++) expect(merged[i]!.at).toBeGreaterThanOrEqual(merged[i - 1]!.at);
    const users = alone.map((events) => new Set(events.map((e) => e.key)));
    for (const user of users[0]!) expect(users[1]!.has(user)).toBe(false);
    const shardOf = new Map<string, number>();
    for (const [i, set] of users.entries()) for (const u of set) shardOf.set(u, i);
    for (const index of [0, 1])
      expect(merged.filter((e) => shardOf.get(e.key) === index)).toEqual(alone[index]);
    expect(sim.episodes).toBe(sim.shards[0]!.episodes + sim.shards[1]!.episodes);
  });
});
