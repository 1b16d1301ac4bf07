/** Refunds and refunded amount per minute (SPEC section 4); net revenue is derived from it. */
import { addInto, keepFrom, type Operator } from "../operator.ts";
import { cents, windowOf } from "../time.ts";
import { writeRefunds, type RefundsOutput } from "./write.ts";

export const refunds: Operator<RefundsOutput> = {
  name: "refunds",
  output: () => new Map(),
  on: {
    refunds({ out }, refund, time) {
      const window = windowOf(time);
      const r = out.get(window);
      if (r) {
        r.refunds += 1;
        r.cents += cents(refund.amount);
      } else out.set(window, { refunds: 1, cents: cents(refund.amount) });
    },
  },
  merge: (into, from) =>
    addInto(into, from, (a, b) => {
      a.refunds += b.refunds;
      a.cents += b.cents;
    }),
  since: (out, since) => keepFrom(out, (window) => window, since),
  rows: (out) => out.size,
  write: writeRefunds,
};
