/** Transactions and amount per minute and payment method (SPEC section 4). */
import { addInto, keepFrom, type Operator } from "../operator.ts";
import { cents, windowOf } from "../time.ts";
import { writePayments, type PaymentsOutput } from "./write.ts";

export const payments: Operator<PaymentsOutput> = {
  name: "payments",
  output: () => new Map(),
  on: {
    transactions({ out }, tx, time) {
      const window = windowOf(time);
      const key = `${window}|${tx.payment_method}`;
      const pay = out.get(key);
      if (pay) {
        pay.transactions += 1;
        pay.cents += cents(tx.total_amount);
      } else
        out.set(key, { window, method: tx.payment_method, transactions: 1, cents: cents(tx.total_amount) });
    },
  },
  merge: (into, from) =>
    addInto(into, from, (a, b) => {
      a.transactions += b.transactions;
      a.cents += b.cents;
    }),
  since: (out, since) => keepFrom(out, (_, p) => p.window, since),
  rows: (out) => out.size,
  write: writePayments,
};
