/**
 * Migration 003 on the real Postgres: operator state kept by the earlier per-key table
 * (`stream_state`) carries over as each shard's first snapshot, so an upgraded worker resumes
 * with exactly the state it had.
 */
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { migrate, MIGRATIONS_DIR } from "../../core/db/migrate.ts";
import { pgSql } from "../../core/db/sql.ts";
import { localServers, requireServer } from "../../core/local-servers.ts";
import { createLogger } from "../../core/logger.ts";
import { loadShardState } from "./shard-store.ts";

const up = await requireServer("postgres");

describe.skipIf(!up)("state migration (003) on the real Postgres", () => {
  const schema = `state_mig_${process.pid}_${Date.now()}`;
  const logger = createLogger({ level: "silent" });
  const pool = new pg.Pool({
    connectionString: localServers().databaseUrl,
    options: `-c search_path=${schema}`,
    max: 2,
  });
  const earlier = mkdtempSync(join(tmpdir(), "migrations-"));

  afterAll(async () => {
    await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await pool.end();
    rmSync(earlier, { recursive: true, force: true });
  });

  it("turns the per-key state rows into a snapshot the worker loads unchanged", async () => {
    await pool.query(`CREATE SCHEMA ${schema}`);
    for (const name of ["001_dimensions.sql", "002_stream.sql"])
      cpSync(join(MIGRATIONS_DIR, name), join(earlier, name));
    const sql = pgSql(pool);
    await migrate(sql, logger, earlier);
    const user = { n: 3, mean: 1250.5, m2: 42, recent: [[1_700_000_000_000, 990, "t-1"]] };
    const session = {
      user: "u-1",
      start: 1,
      end: 2,
      views: 4,
      adds: 1,
      removes: 0,
      updates: 0,
      purchases: 0,
      purchaseCents: 0,
      cart: { "p-1": [2, 2] },
      lastCart: 2,
      lastPurchase: null,
      abandonedFor: null,
    };
    const seen = { max: 1_700_000_000_500, ids: ["transactions:a'b"], times: [1_700_000_000_500] };
    const rows: [string, number, string, string, unknown][] = [
      ["g", 0, "user", "u-1", user],
      ["g", 0, "session", "s-1", session],
      ["g", 0, "seen", "transactions:7", seen],
      ["g", 0, "wm", "transactions", 1_700_000_000_500],
      ["g", 1, "hour", "1699999200000", 1_699_999_200_000],
      ["other", 0, "user", "u-2", { ...user, n: 1 }],
    ];
    for (const [g, shard, ns, key, value] of rows)
      await pool.query(
        "INSERT INTO stream_state (group_id, shard, ns, key, value) VALUES ($1, $2, $3, $4, $5)",
        [g, shard, ns, key, JSON.stringify(value)],
      );

    // The upgrade applies 003 and everything after it.
    expect((await migrate(sql, logger))[0]).toBe("003_state_log.sql");
    const shard0 = await loadShardState(sql, "g", 0);
    expect(shard0.state.keyed("user").get("u-1")).toEqual(user);
    expect(shard0.state.keyed("session").get("s-1")).toEqual(session);
    expect(shard0.state.seen.has("transactions:a'b")).toBe(true);
    expect(shard0.state.maxTime.get("transactions")).toBe(1_700_000_000_500);
    expect(shard0.state.keyed("user").size + shard0.state.keyed("session").size).toBe(2);
    expect((await loadShardState(sql, "g", 1)).state.keyed("hour").get("1699999200000")).toBe(
      1_699_999_200_000,
    );
    expect((await loadShardState(sql, "other", 0)).state.keyed("user").get("u-2")).toEqual({ ...user, n: 1 });
    expect((await loadShardState(sql, "g", 2)).state.keyed("user").size).toBe(0);
    const old = await pool.query<{ t: string | null }>("SELECT to_regclass('stream_state') AS t");
    expect(old.rows[0]!.t).toBeNull();
  });
});
