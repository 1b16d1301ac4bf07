/** commitBatch and takeShard on PGlite: a shard's state survives the trip through its log. */
import { describe, expect, it } from "vitest";
import { migrate } from "../../core/db/migrate.ts";
import { openPglite } from "../../core/db/pglite-sql.ts";
import { createLogger } from "../../core/logger.ts";
import { BatchOutput } from "../operators/output.ts";
import { ShardState } from "../operators/state.ts";
import { emptyPosition, takeStateWrite } from "../operators/state-log.ts";
import { commitBatch, takeShard } from "./shard-store.ts";

describe("shard state in Postgres", () => {
  it("reads back a snapshot of several parts, text of any kind included", async () => {
    const { sql } = await openPglite();
    await migrate(sql, createLogger({ level: "silent" }));
    const { epoch } = await takeShard(sql, "g", 3, "w1");

    const state = new ShardState();
    const sessions = state.keyed("session");
    const hostile = ['say "hi"', "back\\slash", '\\"', "{a,b}", "NULL", "ünï €", "\n\t"];
    for (let i = 0; i < 200; i++) sessions.set(`user-${i}`, { note: hostile[i % hostile.length], n: i });
    // Tiny limits: the first write is a snapshot already, cut into many parts.
    const write = takeStateWrite(state, emptyPosition(), { minLogBytes: 0, partBytes: 500 })!;
    expect(write.snapshot).toBe(true);
    expect(write.bodies.length).toBeGreaterThan(5);

    const shards = [
      { shard: 3, epoch, offsets: [{ topic: "transactions", partition: 3, from: 0, to: 10 }], state: write },
    ];
    await commitBatch(sql, {
      group: "g",
      shards,
      output: new BatchOutput(),
      ops: { minute: 0, lag: new Map() },
    });

    const loaded = await takeShard(sql, "g", 3, "w2");
    expect(loaded.epoch).toBe(epoch + 1);
    expect(loaded.offsets.get("transactions")).toBe(10);
    expect(loaded.position.seq).toBe(write.seq);
    expect([...loaded.state.keyed("session").map]).toEqual([...sessions.map]);
    await sql.close();
  }, 30_000);
});
