/**
 * Loads the catalog into Postgres `users`, `products` and `inventory_status`: COPY into
 * temporary tables, then upserts that touch a row only when something in it differs, so a
 * rerun with the same seed changes nothing (not even row versions). `inventory_status` is only
 * ever inserted: once the stream layer moves stock, reloading the catalog must not reset it.
 */
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import type { Catalog } from "./catalog.ts";

/** A value in COPY text format. */
function field(value: string | number | null): string {
  if (value === null) return "\\N";
  return String(value)
    .replace(/\\/g, "\\\\")
    .replace(/\t/g, "\\t")
    .replace(/\n/g, "\\n")
    .replace(/\r/g, "\\r");
}

/** A text[] literal, e.g. {"Books","Men's Clothing"}. */
function textArray(items: string[]): string {
  return `{${items.map((s) => `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`).join(",")}}`;
}

function* rows<T>(
  count: number,
  row: (i: number) => T,
  line: (r: T) => string[],
  chunk = 2000,
): Generator<string> {
  let buffer = "";
  for (let i = 0; i < count; i++) {
    buffer += `${line(row(i)).join("\t")}\n`;
    if ((i + 1) % chunk === 0) {
      yield buffer;
      buffer = "";
    }
  }
  if (buffer !== "") yield buffer;
}

async function copy(client: pg.PoolClient, sql: string, data: Iterable<string>): Promise<void> {
  await pipeline(Readable.from(data), client.query(copyFrom(sql)));
}

export interface LoadCounts {
  users: { inserted: number; updated: number };
  products: { inserted: number; updated: number };
  inventory: { inserted: number };
}

export async function loadReference(pool: pg.Pool, catalog: Catalog): Promise<LoadCounts> {
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    await client.query("CREATE TEMP TABLE users_stage (LIKE users) ON COMMIT DROP");
    await client.query("CREATE TEMP TABLE products_stage (LIKE products) ON COMMIT DROP");
    await copy(
      client,
      "COPY users_stage (user_id, email, age, country, registration_date, preferences) FROM STDIN",
      rows(
        catalog.userCount,
        (i) => catalog.user(i),
        (u) => [
          u.user_id,
          field(u.email),
          String(u.age),
          u.country,
          u.registration_date,
          field(textArray(u.preferences)),
        ],
      ),
    );
    await copy(
      client,
      "COPY products_stage (product_id, name, category, price, inventory, rating_avg, rating_count) FROM STDIN",
      rows(
        catalog.productCount,
        (i) => catalog.product(i),
        (p) => [
          p.product_id,
          field(p.name),
          field(p.category),
          String(p.price),
          String(p.inventory),
          String(p.ratings.average),
          String(p.ratings.count),
        ],
      ),
    );
    const counted = async (sql: string) => {
      const {
        rows: [r],
      } = await client.query<{ inserted: string; updated: string }>(
        `WITH up AS (${sql} RETURNING (xmax = 0) AS inserted)
         SELECT count(*) FILTER (WHERE inserted) AS inserted, count(*) FILTER (WHERE NOT inserted) AS updated FROM up`,
      );
      return { inserted: Number(r!.inserted), updated: Number(r!.updated) };
    };
    const users = await counted(`INSERT INTO users SELECT * FROM users_stage
      ON CONFLICT (user_id) DO UPDATE SET email = EXCLUDED.email, age = EXCLUDED.age, country = EXCLUDED.country,
        registration_date = EXCLUDED.registration_date, preferences = EXCLUDED.preferences
      WHERE (users.email, users.age, users.country, users.registration_date, users.preferences)
        IS DISTINCT FROM (EXCLUDED.email, EXCLUDED.age, EXCLUDED.country, EXCLUDED.registration_date, EXCLUDED.preferences)`);
    const products = await counted(`INSERT INTO products SELECT * FROM products_stage
      ON CONFLICT (product_id) DO UPDATE SET name = EXCLUDED.name, category = EXCLUDED.category, price = EXCLUDED.price,
        inventory = EXCLUDED.inventory, rating_avg = EXCLUDED.rating_avg, rating_count = EXCLUDED.rating_count
      WHERE (products.name, products.category, products.price, products.inventory, products.rating_avg, products.rating_count)
        IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.category, EXCLUDED.price, EXCLUDED.inventory, EXCLUDED.rating_avg, EXCLUDED.rating_count)`);
    const inventory = await counted(`INSERT INTO inventory_status (product_id, quantity)
      SELECT product_id, inventory FROM products_stage ON CONFLICT (product_id) DO NOTHING`);
    await client.query("COMMIT");
    return { users, products, inventory: { inserted: inventory.inserted } };
  } catch (err) {
    await client.query("ROLLBACK").catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}
