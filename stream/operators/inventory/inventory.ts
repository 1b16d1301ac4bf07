/**
 * Inventory (SPEC section 4): units sold per product and event-time hour, the stock each
 * batch takes (and the low-stock levels that crosses, levels.ts), and the top-10 velocity
 * ranking of an hour once the shard's watermark has passed it. State: the hours this shard
 * sold units in and has not closed. Every worker whose watermark passes an hour re-ranks it;
 * the last one has every shard's units, because a shard adds nothing to an hour its
 * watermark has passed.
 */
import { addInto, keepFrom, type Operator } from "../operator.ts";
import { HOUR, windowOf } from "../time.ts";
import { writeInventory, type InventoryOutput } from "./write.ts";

export const inventory: Operator<InventoryOutput, number> = {
  name: "inventory",
  namespace: "hour",
  output: () => ({ productHours: new Map(), stock: new Map(), closedHours: [] }),
  on: {
    transactions({ out, state }, tx, time) {
      const hour = windowOf(time, HOUR);
      for (const item of tx.products) {
        const unitsKey = `${hour}|${item.product_id}`;
        const ph = out.productHours.get(unitsKey);
        if (ph) ph.units += item.quantity;
        else out.productHours.set(unitsKey, { hour, product: item.product_id, units: item.quantity });

        const stock = out.stock.get(item.product_id);
        if (stock) {
          stock.units += item.quantity;
          stock.eventTime = Math.max(stock.eventTime, time);
        } else out.stock.set(item.product_id, { units: item.quantity, eventTime: time });
      }
      if (!state.has(String(hour))) state.set(String(hour), hour);
    },
  },
  onWatermark({ out, state }, watermark) {
    for (const [key, hour] of state.map) {
      if (watermark >= hour + HOUR) {
        out.closedHours.push(hour);
        state.delete(key);
      }
    }
  },
  /**
   * An hour is ranked by the last of a worker's shards to close it: while another owned shard
   * still has units open in it, that shard will rank it later with everyone's units. Saves
   * ranking each hour once per shard (a fifth of the commit time in a backfill).
   */
  leaveToOthers(out, others) {
    if (out.closedHours.length === 0) return;
    const keep = out.closedHours.filter(
      (hour) => !others.some((s) => s.keyed<number>(inventory.namespace!).has(String(hour))),
    );
    out.closedHours.length = 0;
    out.closedHours.push(...keep);
  },
  merge(into, from) {
    addInto(into.productHours, from.productHours, (a, b) => {
      a.units += b.units;
    });
    addInto(into.stock, from.stock, (a, b) => {
      a.units += b.units;
      a.eventTime = Math.max(a.eventTime, b.eventTime);
    });
    for (const hour of from.closedHours) if (!into.closedHours.includes(hour)) into.closedHours.push(hour);
  },
  // Stock moves are kept whole: inventory_status is the current stock, and a rebuild resets it
  // to the catalogue's before replaying.
  since: (out, since) => ({
    productHours: keepFrom(out.productHours, (_, h) => h.hour, since),
    stock: out.stock,
    closedHours: out.closedHours.filter((hour) => hour >= since),
  }),
  rows: () => 0,
  write: writeInventory,
};
