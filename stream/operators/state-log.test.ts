import { describe, expect, it } from "vitest";
import { ShardState } from "./state.ts";
import {
  emptyPosition,
  replayStateLog,
  takeStateWrite,
  type StateLogRow,
  type StateWrite,
} from "./state-log.ts";

/** Keeps what Postgres would: a snapshot deletes the rows before it. */
function store(rows: StateLogRow[], write: StateWrite | undefined): void {
  if (!write) return;
  if (write.snapshot) rows.splice(0, rows.length);
  for (const body of write.bodies) rows.push({ seq: write.seq, snapshot: write.snapshot, body });
}

const dump = (state: ShardState) =>
  Object.fromEntries(Object.entries(state.namespaces()).map(([ns, k]) => [ns, Object.fromEntries(k.map)]));

describe("state log", () => {
  it("replays changes and deletions into the same state, and writes nothing for an unchanged batch", () => {
    const state = new ShardState();
    const position = emptyPosition();
    const rows: StateLogRow[] = [];
    state.keyed("user").set("u1", { n: 1, mean: 500, m2: 0, recent: [[1, 500, "t1"]] });
    state.maxTime.set("transactions", 1000);
    store(rows, takeStateWrite(state, position));
    state.keyed("user").set("u2", { n: 2, mean: 10, m2: 4, recent: [] });
    state.keyed("user").delete("u1");
    state.seen.add("transactions:t9", 1000, "transactions", 7);
    store(rows, takeStateWrite(state, position));
    expect(takeStateWrite(state, position)).toBeUndefined();

    expect(rows.map((r) => [r.seq, r.snapshot])).toEqual([
      [1, false],
      [2, false],
    ]);
    const replayed = replayStateLog(rows);
    expect(dump(replayed.state)).toEqual(dump(state));
    expect(replayed.state.seen.has("transactions:t9")).toBe(true);
    expect(replayed.position).toEqual(position);
    // The replayed state has no pending changes of its own.
    expect(takeStateWrite(replayed.state, replayed.position)).toBeUndefined();
  });

  it("writes a snapshot in parts once the log outweighs it, replacing what came before", () => {
    const limits = { minLogBytes: 2_000, partBytes: 1_000 };
    const state = new ShardState();
    const position = emptyPosition();
    const rows: StateLogRow[] = [];
    const writes: StateWrite[] = [];
    for (let batch = 0; batch < 40; batch++) {
      for (let i = 0; i < 5; i++)
        state.keyed("user").set(`u${(batch * 5 + i) % 60}`, { n: batch, mean: i, m2: 0, recent: [] });
      if (batch % 3 === 0) state.keyed("user").delete(`u${batch % 60}`);
      const write = takeStateWrite(state, position, limits)!;
      writes.push(write);
      store(rows, write);
      // Whatever was stored so far always replays to the state in memory.
      expect(dump(replayStateLog(rows).state)).toEqual(dump(state));
    }
    const snapshots = writes.filter((w) => w.snapshot);
    expect(snapshots.length).toBeGreaterThan(1);
    expect(snapshots.some((w) => w.bodies.length > 1)).toBe(true);
    for (const w of snapshots) for (const b of w.bodies.slice(0, -1)) expect(b.length).toBeLessThan(1_200);
    // Bounded: never much more stored than the state itself plus the allowed log.
    const stored = rows.reduce((n, r) => n + r.body.length, 0);
    expect(stored).toBeLessThan(2 * Math.max(position.snapshotBytes, limits.minLogBytes) + 1_000);
    expect(replayStateLog(rows).position).toEqual(position);
  });
});
