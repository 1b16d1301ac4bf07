/**
 * Refunds per event-time hour and reason: which complaint is growing (damaged goods after a
 * carrier change, "not as described" after a catalogue import) shows here first. Sums, so
 * every shard adds its own into the same rows.
 */
import { addInto, keepFrom, type Operator } from "../operator.ts";
import { cents, HOUR, windowOf } from "../time.ts";
import { writeRefundReasons, type RefundReasonsOutput } from "./write.ts";

export const refundReasons: Operator<RefundReasonsOutput> = {
  name: "refund-reasons",
  output: () => new Map(),
  on: {
    refunds({ out }, refund, time) {
      const hour = windowOf(time, HOUR);
      const key = `${hour}|${refund.reason}`;
      const r = out.get(key);
      if (r) {
        r.refunds += 1;
        r.cents += cents(refund.amount);
      } else out.set(key, { hour, reason: refund.reason, refunds: 1, cents: cents(refund.amount) });
    },
  },
  merge: (into, from) =>
    addInto(into, from, (a, b) => {
      a.refunds += b.refunds;
      a.cents += b.cents;
    }),
  since: (out, since) => keepFrom(out, (_, r) => r.hour, since),
  rows: (out) => out.size,
  write: writeRefundReasons,
};
