/** ProductCache on PGlite: products looked up on demand, a missing one not asked for again at once. */
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { migrate } from "../../core/db/migrate.ts";
import { openPglite } from "../../core/db/pglite-sql.ts";
import { createLogger } from "../../core/logger.ts";
import { ProductCache } from "./products.ts";

describe("ProductCache", () => {
  it("loads products it does not hold, remembers a missing one for a minute, and ignores non-ids", async () => {
    const { sql } = await openPglite();
    await migrate(sql, createLogger({ level: "silent" }));
    const cache = await ProductCache.load(sql);
    const [a, b] = [randomUUID(), randomUUID()];
    await sql.query(
      "INSERT INTO products (product_id, name, category, price, inventory) VALUES ($1, 'a', 'Books', 3.5, 1)",
      [a],
    );
    const t = Date.parse("2026-11-10T10:00:00Z");
    expect(await cache.resolve([a, b, "not-a-uuid", "'; DROP TABLE products; --"], t)).toBe(1);
    expect(cache.get(a)).toEqual({ category: "Books", priceCents: 350 });
    await sql.query(
      "INSERT INTO products (product_id, name, category, price, inventory) VALUES ($1, 'b', 'Toys', 1, 1)",
      [b],
    );
    expect(await cache.resolve([b], t + 30_000)).toBe(0);
    expect(await cache.resolve([b], t + 61_000)).toBe(1);
    expect(cache.get(b)?.category).toBe("Toys");
    await sql.close();
  });
});
