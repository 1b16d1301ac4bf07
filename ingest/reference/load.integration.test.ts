import { cpSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrate, MIGRATIONS_DIR, readMigrations } from "../../core/db/migrate.ts";
import { pgSql } from "../../core/db/sql.ts";
import { localServers, requireServer } from "../../core/local-servers.ts";
import { createLogger } from "../../core/logger.ts";
import { Catalog } from "./catalog.ts";
import { loadReference } from "./load.ts";

const up = await requireServer("postgres");

describe.skipIf(!up)("reference data in the real Postgres", () => {
  const schema = `ref_${process.pid}_${Date.now()}`;
  const logger = createLogger({ level: "silent" });
  let pool: pg.Pool;
  const catalog = new Catalog(5, 2000, 500, Date.parse("2026-10-01T00:00:00Z"));

  beforeAll(async () => {
    const admin = new pg.Client({ connectionString: localServers().databaseUrl });
    await admin.connect();
    await admin.query(`CREATE SCHEMA ${schema}`);
    await admin.end();
    pool = new pg.Pool({
      connectionString: localServers().databaseUrl,
      options: `-c search_path=${schema}`,
      max: 4,
    });
  });

  afterAll(async () => {
    await pool.query(`DROP SCHEMA ${schema} CASCADE`);
    await pool.end();
  });

  it("migrates once, then has nothing to do", async () => {
    const all = (await readMigrations()).map((m) => m.name);
    expect(all.slice(0, 3)).toEqual(["001_dimensions.sql", "002_stream.sql", "003_state_log.sql"]);
    expect(await migrate(pgSql(pool), logger)).toEqual(all);
    expect(await migrate(pgSql(pool), logger)).toEqual([]);
  });

  it("loads the catalog, and a rerun rewrites no row", async () => {
    expect(await loadReference(pool, catalog)).toEqual({
      users: { inserted: 2000, updated: 0 },
      products: { inserted: 500, updated: 0 },
      inventory: { inserted: 500 },
    });
    const versions = async () =>
      (await pool.query<{ v: string }>("SELECT string_agg(xmin::text, ',' ORDER BY user_id) AS v FROM users"))
        .rows[0]!.v +
      (
        await pool.query<{ v: string }>(
          "SELECT string_agg(xmin::text, ',' ORDER BY product_id) AS v FROM products",
        )
      ).rows[0]!.v;
    const before = await versions();
    expect(await loadReference(pool, catalog)).toEqual({
      users: { inserted: 0, updated: 0 },
      products: { inserted: 0, updated: 0 },
      inventory: { inserted: 0 },
    });
    expect(await versions()).toBe(before);
  });

  it("keeps every value exactly, quotes and arrays included", async () => {
    for (const i of [0, 1, 499]) {
      const p = catalog.product(i);
      const { rows } = await pool.query(
        "SELECT name, category, price::float8 AS price, inventory, rating_avg::float8 AS rating_avg, rating_count FROM products WHERE product_id = $1",
        [p.product_id],
      );
      expect(rows[0]).toEqual({
        name: p.name,
        category: p.category,
        price: p.price,
        inventory: p.inventory,
        rating_avg: p.ratings.average,
        rating_count: p.ratings.count,
      });
    }
    const withQuote = Array.from({ length: 2000 }, (_, i) => catalog.user(i)).find((u) =>
      u.preferences.some((c) => c.includes("'")),
    )!;
    const { rows } = await pool.query(
      "SELECT email, age, country, to_char(registration_date, 'YYYY-MM-DD') AS registration_date, preferences FROM users WHERE user_id = $1",
      [withQuote.user_id],
    );
    expect(rows[0]).toEqual({
      email: withQuote.email,
      age: withQuote.age,
      country: withQuote.country,
      registration_date: withQuote.registration_date,
      preferences: withQuote.preferences,
    });
  });

  it("never resets stock the stream layer has moved", async () => {
    const id = catalog.productId(7);
    await pool.query("UPDATE inventory_status SET quantity = 3 WHERE product_id = $1", [id]);
    await loadReference(pool, catalog);
    expect(
      (await pool.query("SELECT quantity FROM inventory_status WHERE product_id = $1", [id])).rows[0],
    ).toEqual({ quantity: 3 });
  });

  it("refuses to run when an applied migration was edited", async () => {
    const dir = mkdtempSync(join(tmpdir(), "migrations-"));
    cpSync(MIGRATIONS_DIR, dir, { recursive: true });
    writeFileSync(join(dir, "001_dimensions.sql"), "-- edited\nSELECT 1;");
    await expect(migrate(pgSql(pool), logger, dir)).rejects.toThrow(
      /001_dimensions.sql changed after it was applied/,
    );
  });
});
