/**
 * Sessions and cart abandonment, per session id (a user's events share a shard, so a session
 * is whole on one worker). A session closes once the watermark passes 30 minutes after its
 * last event; a cart with items and no cart activity for 15 minutes of event time is reported
 * abandoned once (again only if the cart is touched and left again). A checkout empties the
 * cart of everything put in before it, by event time, so the result does not depend on whether
 * the checkout (transactions topic) or the cart events (cart_events topic) were read first.
 */
import type { CartEvent, ProductView, Transaction } from "../../../core/events/schemas.ts";
import { append, type Operator, type OperatorContext, type Products } from "../operator.ts";
import type { Keyed } from "../state.ts";
import { cents } from "../time.ts";
import type { SessionRules } from "./rules.ts";
import { writeSessions, type SessionsOutput } from "./write.ts";

export { DEFAULT_SESSION_RULES, type SessionRules } from "./rules.ts";

export interface SessionState {
  user: string;
  start: number;
  end: number;
  views: number;
  adds: number;
  removes: number;
  updates: number;
  purchases: number;
  purchaseCents: number;
  /** product id -> [quantity in the cart now, event time of its last cart event]. */
  cart: Record<string, [number, number]>;
  lastCart: number | null;
  /** Event time of the last checkout: cart events up to it were emptied by it. */
  lastPurchase: number | null;
  /** The last cart activity an abandonment was already reported for. */
  abandonedFor: number | null;
}

/**
 * What the session functions need besides the state: where closed sessions go, the products
 * (cart values) and the rules. The operator's own context is one, so no object is built per event.
 */
export type SessionContext = Pick<
  OperatorContext<SessionsOutput, SessionState>,
  "out" | "products" | "sessions"
>;

function touch(
  c: SessionContext,
  sessions: Keyed<SessionState>,
  id: string,
  user: string,
  time: number,
): SessionState {
  let s = sessions.get(id);
  if (s && time > s.end + c.sessions.gapMs) {
    // More than the gap after its last event: by definition a new session with the same id.
    // The old one is closed here, whether or not the watermark got there first.
    emitSession(c, id, s);
    s = undefined;
  }
  if (!s) {
    s = {
      user,
      start: time,
      end: time,
      views: 0,
      adds: 0,
      removes: 0,
      updates: 0,
      purchases: 0,
      purchaseCents: 0,
      cart: {},
      lastCart: null,
      lastPurchase: null,
      abandonedFor: null,
    };
  } else {
    if (time < s.start) s.start = time;
    if (time > s.end) s.end = time;
  }
  sessions.set(id, s);
  return s;
}

export function sessionView(
  c: SessionContext,
  sessions: Keyed<SessionState>,
  ev: ProductView,
  time: number,
): void {
  touch(c, sessions, ev.session_id, ev.user_id, time).views += 1;
}

export function sessionCart(
  c: SessionContext,
  sessions: Keyed<SessionState>,
  ev: CartEvent,
  time: number,
): void {
  const s = touch(c, sessions, ev.session_id, ev.user_id, time);
  if (ev.action === "add") s.adds += 1;
  else if (ev.action === "update") s.updates += 1;
  else s.removes += 1;
  if (s.lastPurchase === null || time > s.lastPurchase) {
    const cart = s.cart;
    const line = cart[ev.product_id];
    if (ev.action === "add") cart[ev.product_id] = [(line?.[0] ?? 0) + ev.quantity, time];
    else if (ev.action === "update" && ev.quantity > 0) cart[ev.product_id] = [ev.quantity, time];
    else delete cart[ev.product_id];
  }
  if (s.lastCart === null || time > s.lastCart) s.lastCart = time;
}

export function sessionPurchase(
  c: SessionContext,
  sessions: Keyed<SessionState>,
  tx: Transaction,
  time: number,
): void {
  if (tx.session_id === null) return; // bought without a session (API, buy-now from elsewhere)
  const s = touch(c, sessions, tx.session_id, tx.user_id, time);
  s.purchases += 1;
  s.purchaseCents += cents(tx.total_amount);
  if (s.lastPurchase === null || time > s.lastPurchase) s.lastPurchase = time;
  for (const [product, [, at]] of Object.entries(s.cart)) if (at <= time) delete s.cart[product];
}

function cartFigures(s: SessionState, products: Products) {
  let items = 0;
  let distinct = 0;
  let valueCents = 0;
  for (const [product, [quantity]] of Object.entries(s.cart)) {
    items += quantity;
    distinct += 1;
    valueCents += (products.get(product)?.priceCents ?? 0) * quantity;
  }
  return { items, distinct, valueCents };
}

function emitSession(
  c: SessionContext,
  id: string,
  s: SessionState,
  itemsLeft = cartFigures(s, c.products).items,
) {
  c.out.sessions.push({
    sessionId: id,
    userId: s.user,
    start: s.start,
    end: s.end,
    pageViews: s.views,
    cartAdds: s.adds,
    cartRemoves: s.removes,
    cartUpdates: s.updates,
    purchases: s.purchases,
    purchaseCents: s.purchaseCents,
    abandoned: itemsLeft > 0,
  });
}

/** Reports abandoned carts and closes sessions the watermark has passed. */
export function closeSessions(
  out: SessionsOutput,
  sessions: Keyed<SessionState>,
  watermark: number,
  products: Products,
  rules: SessionRules,
): void {
  for (const [id, s] of sessions.map) {
    const closing = watermark > s.end + rules.gapMs;
    const abandoning =
      s.lastCart !== null && s.abandonedFor !== s.lastCart && watermark > s.lastCart + rules.abandonAfterMs;
    if (!closing && !abandoning) continue; // most sessions, most batches: nothing to compute
    const cart = cartFigures(s, products);
    if (abandoning && cart.items > 0 && s.lastCart !== null) {
      out.abandonments.push({
        sessionId: id,
        userId: s.user,
        lastCartActivity: s.lastCart,
        abandonedAt: s.lastCart + rules.abandonAfterMs,
        items: cart.items,
        distinctProducts: cart.distinct,
        valueCents: cart.valueCents,
      });
      s.abandonedFor = s.lastCart;
      sessions.set(id, s);
    }
    if (closing) {
      emitSession({ out, products, sessions: rules }, id, s, cart.items);
      sessions.delete(id);
    }
  }
}

export const sessions: Operator<SessionsOutput, SessionState> = {
  name: "sessions",
  namespace: "session",
  output: () => ({ sessions: [], abandonments: [] }),
  on: {
    product_views: (c, ev, time) => sessionView(c, c.state, ev, time),
    cart_events: (c, ev, time) => sessionCart(c, c.state, ev, time),
    transactions: (c, tx, time) => sessionPurchase(c, c.state, tx, time),
  },
  onWatermark: ({ out, state, products, sessions: rules }, watermark) =>
    closeSessions(out, state, watermark, products, rules),
  merge(into, from) {
    append(into.sessions, from.sessions);
    append(into.abandonments, from.abandonments);
  },
  since: (out, since) => ({
    sessions: out.sessions.filter((s) => s.end >= since),
    abandonments: out.abandonments.filter((a) => a.abandonedAt >= since),
  }),
  rows: (out) => out.sessions.length + out.abandonments.length,
  write: writeSessions,
};
