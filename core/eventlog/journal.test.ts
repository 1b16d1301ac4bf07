import { appendFileSync, mkdtempSync, statSync, truncateSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { MemoryLog } from "./memory-log.ts";

const noop = { onAssigned: async () => {}, onRevoked: async () => {} };
const record = (i: number) => ({
  topic: i % 2 ? "a" : "b",
  key: `user-${i % 7}`,
  value: Buffer.from(`v${i}`),
});

describe("the persistent in-process log", () => {
  it("reopens with the same records at the same offsets and the groups' commits", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "journal-")), "log.journal");
    const first = MemoryLog.persistent(path, 3);
    await first.send(Array.from({ length: 50 }, (_, i) => record(i)));
    const consumer = await first.join("g", ["a", "b"], noop);
    const got = await consumer.poll(100);
    expect(got).toHaveLength(50);
    await consumer.commit([{ topic: "a", partition: 1, offset: 4 }]);
    await first.close();

    const again = MemoryLog.persistent(path, 3);
    expect(again.size).toBe(50);
    for (const topic of ["a", "b"])
      for (let p = 0; p < 3; p++) expect(again.endOffset(topic, p)).toBe(first.endOffset(topic, p));
    const c2 = await again.join("g", ["a", "b"], noop);
    expect(await c2.committed([{ topic: "a", partition: 1 }])).toEqual([
      { topic: "a", partition: 1, offset: 4 },
    ]);
    const replayed = await c2.poll(100);
    const key = (r: { topic: string; partition: number; offset: number; value: Buffer | null }) =>
      `${r.topic}/${r.partition}/${r.offset}=${r.value!.toString()}`;
    // From the committed offset on partition a/1, from 0 elsewhere: the same records as before.
    expect(replayed.map(key).sort()).toEqual(
      got
        .filter((r) => !(r.topic === "a" && r.partition === 1 && r.offset < 4))
        .map(key)
        .sort(),
    );
    await again.close();
  });

  it("cuts a torn last entry, so what survives is a prefix of what was produced", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "journal-")), "log.journal");
    const log = MemoryLog.persistent(path, 3);
    await log.send(Array.from({ length: 10 }, (_, i) => record(i)));
    await log.close();
    truncateSync(path, statSync(path).size - 3); // died in the middle of the last record
    appendFileSync(path, Buffer.from([0, 0])); // and some garbage after it
    const reopened = MemoryLog.persistent(path, 3);
    expect(reopened.size).toBe(9);
    await reopened.send([record(9)]);
    await reopened.close();
    expect(MemoryLog.persistent(path, 3).size).toBe(10);
  });
});
