/**
 * Sales per minute by category and country (SPEC section 4), and their rollups over category,
 * country and both. Sums in cents: each batch emits deltas and every shard adds its own into the
 * same rows, so the result does not depend on how records were split into batches or shards.
 * A transaction counts once per category it has items in, whatever the number of items.
 */
import { addInto, keepFrom, type Operator } from "../operator.ts";
import { cents, windowOf } from "../time.ts";
import { writeSales, type SalesOutput } from "./write.ts";

export const UNKNOWN_CATEGORY = "unknown";

export const sales: Operator<SalesOutput> = {
  name: "sales",
  output: () => new Map(),
  on: {
    transactions({ out, products }, tx, time) {
      const window = windowOf(time);
      let counted: string[] | undefined;
      for (const item of tx.products) {
        const category = products.get(item.product_id)?.category ?? UNKNOWN_CATEGORY;
        const key = `${window}|${category}|${tx.country}`;
        let s = out.get(key);
        if (!s) {
          s = { window, category, country: tx.country, revenueCents: 0, transactions: 0, units: 0 };
          out.set(key, s);
        }
        s.revenueCents += cents(item.price) * item.quantity;
        s.units += item.quantity;
        if (!counted?.includes(category)) {
          s.transactions += 1;
          (counted ??= []).push(category);
        }
      }
    },
  },
  merge: (into, from) =>
    addInto(into, from, (a, b) => {
      a.revenueCents += b.revenueCents;
      a.transactions += b.transactions;
      a.units += b.units;
    }),
  since: (out, since) => keepFrom(out, (_, s) => s.window, since),
  rows: (out) => out.size,
  write: writeSales,
};
