/**
 * Loads the reference data through the Sql port: the embedded default's PGlite, which has no
 * COPY from a stream (the full stack's loader is load.ts). Rows go in chunks as unnest arrays,
 * and an existing row is left as it is, so a restart loads nothing twice.
 */
import type { Sql } from "../../core/db/sql.ts";
import type { Catalog } from "./catalog.ts";

const CHUNK = 5000;

export async function loadReferenceSql(
  sql: Sql,
  catalog: Catalog,
): Promise<{ users: number; products: number }> {
  for (let from = 0; from < catalog.userCount; from += CHUNK) {
    const users = Array.from({ length: Math.min(CHUNK, catalog.userCount - from) }, (_, i) =>
      catalog.user(from + i),
    );
    await sql.query(
      `INSERT INTO users (user_id, email, age, country, registration_date, preferences)
       SELECT u.id, u.email, u.age, u.country, u.registered, string_to_array(u.prefs, ',')
       FROM unnest($1::uuid[], $2::text[], $3::smallint[], $4::text[], $5::date[], $6::text[])
         AS u (id, email, age, country, registered, prefs)
       ON CONFLICT (user_id) DO NOTHING`,
      [
        users.map((u) => u.user_id),
        users.map((u) => u.email),
        users.map((u) => u.age),
        users.map((u) => u.country),
        users.map((u) => u.registration_date),
        users.map((u) => u.preferences.join(",")),
      ],
    );
  }
  for (let from = 0; from < catalog.productCount; from += CHUNK) {
    const products = Array.from({ length: Math.min(CHUNK, catalog.productCount - from) }, (_, i) =>
      catalog.product(from + i),
    );
    await sql.query(
      `INSERT INTO products (product_id, name, category, price, inventory, rating_avg, rating_count)
       SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::numeric[], $5::int[], $6::numeric[], $7::int[])
       ON CONFLICT (product_id) DO NOTHING`,
      [
        products.map((p) => p.product_id),
        products.map((p) => p.name),
        products.map((p) => p.category),
        products.map((p) => p.price),
        products.map((p) => p.inventory),
        products.map((p) => p.ratings.average),
        products.map((p) => p.ratings.count),
      ],
    );
  }
  await sql.query(
    `INSERT INTO inventory_status (product_id, quantity)
     SELECT product_id, inventory FROM products ON CONFLICT (product_id) DO NOTHING`,
  );
  return { users: catalog.userCount, products: catalog.productCount };
}
