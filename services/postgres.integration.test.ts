import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { localServers, requireServer } from "../core/local-servers.ts";

const up = await requireServer("postgres");

describe.skipIf(!up)("postgres smoke: upsert and rollback", () => {
  const schema = `smoke_${process.pid}_${Date.now()}`;
  let client: pg.Client;

  beforeAll(async () => {
    client = new pg.Client({ connectionString: localServers().databaseUrl });
    await client.connect();
    await client.query(`CREATE SCHEMA ${schema}`);
    await client.query(`CREATE TABLE ${schema}.metrics (window_start timestamptz, category text, revenue numeric,
      PRIMARY KEY (window_start, category))`);
  });

  afterAll(async () => {
    await client.query(`DROP SCHEMA ${schema} CASCADE`);
    await client.end();
  });

  it("upserts by natural key: a replayed row replaces, never duplicates", async () => {
    const upsert = `INSERT INTO ${schema}.metrics VALUES ($1, $2, $3)
      ON CONFLICT (window_start, category) DO UPDATE SET revenue = EXCLUDED.revenue`;
    await client.query(upsert, ["2026-11-21T10:00:00Z", "Books", "10.50"]);
    await client.query(upsert, ["2026-11-21T10:00:00Z", "Books", "12.25"]);
    const { rows } = await client.query(`SELECT category, revenue FROM ${schema}.metrics`);
    expect(rows).toEqual([{ category: "Books", revenue: "12.25" }]);
  });

  it("rolls back a failed transaction as a whole", async () => {
    await client.query("BEGIN");
    await client.query(`INSERT INTO ${schema}.metrics VALUES ('2026-11-21T11:00:00Z', 'Toys', 1)`);
    await expect(
      client.query(`INSERT INTO ${schema}.metrics VALUES ('2026-11-21T11:00:00Z', 'Toys', 2)`),
    ).rejects.toThrow(/duplicate key/);
    await client.query("ROLLBACK");
    const { rows } = await client.query(
      `SELECT count(*)::int AS n FROM ${schema}.metrics WHERE category = 'Toys'`,
    );
    expect(rows[0]).toEqual({ n: 0 });
  });
});
