/**
 * The product dimension in memory (category and price per product id): the operators look a
 * product up for every transaction item and cart line, so it cannot be a query. 250k products
 * take ~40 MB. Products a batch names that it does not hold are looked up before the batch is
 * processed (`resolve`), and the whole table is reloaded now and then (`refreshIfDue`); a
 * product still unknown is sold under the category "unknown" (and valued at 0 in an abandoned
 * cart) rather than refused.
 */
import type { SqlClient } from "../../core/db/sql.ts";
import type { ProductInfo, Products } from "../operators/operator.ts";

/** A product id looked up and not found is not asked for again for this long. */
const ABSENT_TTL_MS = 60_000;
/** Bounds what hostile input (random product ids) can make the cache remember or ask for. */
const MAX_ABSENT = 100_000;
const MAX_LOOKUP = 1000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SELECT = "SELECT product_id::text AS id, category, round(price * 100)::int AS cents FROM products";

export class ProductCache implements Products {
  private map = new Map<string, ProductInfo>();
  /** Id -> when it was last looked up and not found. */
  private readonly absent = new Map<string, number>();
  private refreshedAt = 0;
  private refreshing: Promise<void> | undefined;

  private constructor(private readonly db: SqlClient) {}

  static async load(db: SqlClient): Promise<ProductCache> {
    const cache = new ProductCache(db);
    await cache.refresh();
    return cache;
  }

  /**
   * Loads the products among `ids` the cache does not hold: a product created after the worker
   * started is then sold under its category from its first sale. Returns how many were found.
   */
  async resolve(ids: Iterable<string>, now = Date.now()): Promise<number> {
    const wanted: string[] = [];
    for (const id of ids) {
      if (wanted.length >= MAX_LOOKUP) break;
      if (this.map.has(id) || !UUID.test(id)) continue;
      const at = this.absent.get(id);
      if (at === undefined || now - at >= ABSENT_TTL_MS) wanted.push(id);
    }
    if (wanted.length === 0) return 0;
    const found = await this.read(`${SELECT} WHERE product_id = ANY($1::uuid[])`, [wanted]);
    for (const [id, info] of found) {
      this.map.set(id, info);
      this.absent.delete(id);
    }
    if (this.absent.size + wanted.length > MAX_ABSENT) this.absent.clear();
    for (const id of wanted) if (!this.map.has(id)) this.absent.set(id, now);
    return found.size;
  }

  /**
   * Reloads the whole dimension when the last load is `everyMs` old (category and price
   * changes), in the background: the returned promise is for the caller to log a failure.
   */
  refreshIfDue(everyMs: number, now = Date.now()): Promise<void> | undefined {
    if (this.refreshing || now - this.refreshedAt < everyMs) return undefined;
    this.refreshing = this.refresh().finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  async refresh(): Promise<void> {
    this.refreshedAt = Date.now();
    this.map = await this.read(SELECT);
  }

  private async read(query: string, params?: unknown[]): Promise<Map<string, ProductInfo>> {
    const { rows } = await this.db.query<{ id: string; category: string; cents: number }>(query, params);
    return new Map(rows.map((r) => [r.id, { category: r.category, priceCents: r.cents }]));
  }

  get(productId: string): ProductInfo | undefined {
    return this.map.get(productId);
  }

  get size(): number {
    return this.map.size;
  }
}
