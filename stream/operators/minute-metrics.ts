/**
 * The per-minute event-time metrics (SPEC section 4): sales by category and country, the
 * funnel, payments and refunds, plus units per product and hour for inventory. All are sums,
 * so each batch emits deltas and every shard adds its own into the same rows: the result does
 * not depend on how records were split into batches or shards.
 */
import type { CartEvent, ProductView, Refund, Transaction } from "../../core/events/schemas.ts";
import { BatchOutput, cents, HOUR, windowOf } from "./output.ts";

export interface ProductInfo {
  category: string;
  priceCents: number;
}

/** The product dimension, as the operators see it. */
export interface Products {
  get(productId: string): ProductInfo | undefined;
}

const UNKNOWN_CATEGORY = "unknown";

export function addTransaction(out: BatchOutput, tx: Transaction, time: number, products: Products): void {
  const window = windowOf(time);
  out.funnelAt(window).purchases += 1;

  const payKey = `${window}|${tx.payment_method}`;
  const pay = out.payments.get(payKey);
  if (pay) {
    pay.transactions += 1;
    pay.cents += cents(tx.total_amount);
  } else {
    out.payments.set(payKey, {
      window,
      method: tx.payment_method,
      transactions: 1,
      cents: cents(tx.total_amount),
    });
  }

  // A transaction counts once per category it has items in, whatever the number of items.
  let counted: string[] | undefined;
  const hour = windowOf(time, HOUR);
  for (const item of tx.products) {
    const category = products.get(item.product_id)?.category ?? UNKNOWN_CATEGORY;
    const key = `${window}|${category}|${tx.country}`;
    let s = out.sales.get(key);
    if (!s) {
      s = { window, category, country: tx.country, revenueCents: 0, transactions: 0, units: 0 };
      out.sales.set(key, s);
    }
    s.revenueCents += cents(item.price) * item.quantity;
    s.units += item.quantity;
    if (!counted?.includes(category)) {
      s.transactions += 1;
      (counted ??= []).push(category);
    }

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
}

export function addView(out: BatchOutput, _view: ProductView, time: number): void {
  out.funnelAt(windowOf(time)).views += 1;
}

/** Every cart event gives its minute a funnel row (a minute of removes only has zero adds). */
export function addCartEvent(out: BatchOutput, ev: CartEvent, time: number): void {
  const funnel = out.funnelAt(windowOf(time));
  if (ev.action === "add") funnel.cartAdds += 1;
}

export function addRefund(out: BatchOutput, refund: Refund, time: number): void {
  const window = windowOf(time);
  const r = out.refunds.get(window);
  if (r) {
    r.refunds += 1;
    r.cents += cents(refund.amount);
  } else out.refunds.set(window, { refunds: 1, cents: cents(refund.amount) });
}
