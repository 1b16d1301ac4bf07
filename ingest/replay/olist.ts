/**
 * Olist-style CSVs (the public Brazilian e-commerce data set: orders, order_items, payments)
 * mapped onto our `transactions` events, in purchase-time order.
 *
 * The mapping, and what it cannot carry over:
 * - transaction_id = order_id, user_id = customer_id (both 32 hex digits, written as UUIDs);
 *   session_id = null (Olist has no browsing data).
 * - products: items grouped by product_id; quantity = number of lines, price = item price.
 *   total_amount = sum of item prices; freight is not part of the basket.
 * - timestamp = order_purchase_timestamp, read as UTC (Olist records local Brazilian time).
 * - payment_method from the largest payment: credit_card and debit_card as they are, boleto
 *   (a bank slip paid from an account) as debit_card, vouchers fall back to the order's next
 *   payment; an order paid only by voucher or "not_defined" goes to the DLQ with the reason.
 * - country: Olist is Brazilian and the SPEC's countries do not include Brazil, so every order
 *   gets the `country` option (default USA).
 * - canceled and unavailable orders were never purchases and are skipped (counted); an order
 *   without items goes to the DLQ.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import type { Country, PaymentMethod } from "../../core/events/schemas.ts";
import type { ReplayItem } from "./item.ts";

type Row = Record<string, string>;

const PAYMENTS: Record<string, PaymentMethod | undefined> = {
  credit_card: "credit_card",
  debit_card: "debit_card",
  boleto: "debit_card",
};
const NOT_PURCHASES = new Set(["canceled", "unavailable"]);

async function csv(dir: string, name: string): Promise<Row[]> {
  return parse<Row>(await readFile(join(dir, name)), { columns: true, skip_empty_lines: true, trim: true });
}

function asUuid(hex: string): string | undefined {
  return /^[0-9a-f]{32}$/i.test(hex)
    ? `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`.toLowerCase()
    : undefined;
}

function groupBy(rows: Row[], key: string): Map<string, Row[]> {
  const map = new Map<string, Row[]>();
  for (const row of rows) {
    const k = row[key] ?? "";
    const list = map.get(k);
    if (list) list.push(row);
    else map.set(k, [row]);
  }
  return map;
}

function paymentOf(payments: Row[]): PaymentMethod | undefined {
  const byValue = [...payments].sort((a, b) => Number(b.payment_value) - Number(a.payment_value));
  for (const p of byValue) {
    const method = PAYMENTS[p.payment_type ?? ""];
    if (method) return method;
  }
  return undefined;
}

export async function readOlist(dir: string, options: { country?: Country } = {}): Promise<ReplayItem[]> {
  const [orders, items, payments] = await Promise.all([
    csv(dir, "olist_orders_dataset.csv"),
    csv(dir, "olist_order_items_dataset.csv"),
    csv(dir, "olist_order_payments_dataset.csv"),
  ]);
  const itemsByOrder = groupBy(items, "order_id");
  const paymentsByOrder = groupBy(payments, "order_id");
  const country = options.country ?? "USA";
  const result: { at: number; item: ReplayItem }[] = [];
  for (const order of orders) {
    const raw = JSON.stringify(order);
    const at = Date.parse(`${(order.order_purchase_timestamp ?? "").replace(" ", "T")}Z`);
    const invalid = (reason: string) =>
      result.push({
        at: Number.isNaN(at) ? 0 : at,
        item: { kind: "invalid", topic: "transactions", raw, reason },
      });
    if (NOT_PURCHASES.has(order.order_status ?? "")) {
      result.push({
        at,
        item: { kind: "skipped", reason: `order ${order.order_id} is ${order.order_status}` },
      });
      continue;
    }
    const transactionId = asUuid(order.order_id ?? "");
    const userId = asUuid(order.customer_id ?? "");
    if (!transactionId || !userId) {
      invalid("order_id/customer_id: expected 32 hexadecimal digits");
      continue;
    }
    if (Number.isNaN(at)) {
      invalid(
        `order_purchase_timestamp: expected "YYYY-MM-DD HH:MM:SS", got ${JSON.stringify(order.order_purchase_timestamp)}`,
      );
      continue;
    }
    const lines = itemsByOrder.get(order.order_id ?? "") ?? [];
    if (lines.length === 0) {
      invalid(`products: order ${order.order_id} has no items`);
      continue;
    }
    const paymentMethod = paymentOf(paymentsByOrder.get(order.order_id ?? "") ?? []);
    if (!paymentMethod) {
      const types =
        (paymentsByOrder.get(order.order_id ?? "") ?? []).map((p) => p.payment_type).join(", ") || "none";
      invalid(`payment_method: order ${order.order_id} was paid by ${types}, which has no SPEC equivalent`);
      continue;
    }
    const products = new Map<string, { product_id: string; quantity: number; price: number }>();
    let cents = 0;
    for (const line of lines) {
      const productId = asUuid(line.product_id ?? "") ?? "";
      const price = Number(line.price);
      cents += Math.round(price * 100);
      const existing = products.get(productId);
      if (existing) existing.quantity++;
      else products.set(productId, { product_id: productId, quantity: 1, price });
    }
    const value = {
      transaction_id: transactionId,
      user_id: userId,
      session_id: null,
      timestamp: new Date(at).toISOString(),
      products: [...products.values()],
      total_amount: cents / 100,
      payment_method: paymentMethod,
      country,
    };
    result.push({
      at,
      item: { kind: "event", topic: "transactions", value, raw: JSON.stringify(value), at },
    });
  }
  // Stable sort: orders with the same second keep their file order.
  return result.sort((a, b) => a.at - b.at).map((r) => r.item);
}
