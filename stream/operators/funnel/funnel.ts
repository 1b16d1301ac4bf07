/**
 * The conversion funnel per minute: views, cart adds and purchases (SPEC section 4). Every
 * cart event gives its minute a row (a minute of removes only has zero adds); the rates are
 * computed from the stored totals when written, so they are right whichever worker added last.
 */
import { addInto, keepFrom, type Operator } from "../operator.ts";
import { windowOf } from "../time.ts";
import { writeFunnel, type FunnelCounts, type FunnelOutput } from "./write.ts";

function at(out: FunnelOutput, window: number): FunnelCounts {
  let f = out.get(window);
  if (!f) out.set(window, (f = { views: 0, cartAdds: 0, purchases: 0 }));
  return f;
}

export const funnel: Operator<FunnelOutput> = {
  name: "funnel",
  output: () => new Map(),
  on: {
    product_views({ out }, _view, time) {
      at(out, windowOf(time)).views += 1;
    },
    cart_events({ out }, ev, time) {
      const f = at(out, windowOf(time));
      if (ev.action === "add") f.cartAdds += 1;
    },
    transactions({ out }, _tx, time) {
      at(out, windowOf(time)).purchases += 1;
    },
  },
  merge: (into, from) =>
    addInto(into, from, (a, b) => {
      a.views += b.views;
      a.cartAdds += b.cartAdds;
      a.purchases += b.purchases;
    }),
  since: (out, since) => keepFrom(out, (window) => window, since),
  rows: (out) => out.size,
  write: writeFunnel,
};
