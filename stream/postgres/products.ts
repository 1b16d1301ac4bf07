/**
 * The product dimension in memory (category and price per product id): the operators look a
 * product up for every transaction item and cart line, so it cannot be a query. 250k products
 * take ~40 MB. Reloaded by `refresh()`; a product unknown at processing time is sold under the
 * category "unknown" (and valued at 0 in an abandoned cart) rather than refused.
 */
import type { SqlClient } from "../../core/db/sql.ts";
import type { ProductInfo, Products } from "../operators/minute-metrics.ts";

export class ProductCache implements Products {
  private map = new Map<string, ProductInfo>();

  private constructor(private readonly db: SqlClient) {}

  static async load(db: SqlClient): Promise<ProductCache> {
    const cache = new ProductCache(db);
    await cache.refresh();
    return cache;
  }

  async refresh(): Promise<void> {
    const { rows } = await this.db.query<{ id: string; category: string; cents: number }>(
      "SELECT product_id::text AS id, category, round(price * 100)::int AS cents FROM products",
    );
    const map = new Map<string, ProductInfo>();
    for (const r of rows) map.set(r.id, { category: r.category, priceCents: r.cents });
    this.map = map;
  }

  get(productId: string): ProductInfo | undefined {
    return this.map.get(productId);
  }

  get size(): number {
    return this.map.size;
  }
}
