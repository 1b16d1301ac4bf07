/**
 * One shopper's session as a list of events: product views, then (depending on the kind of
 * session) cart activity and a checkout. Baskets stay within the shopper's price band and
 * under the high-value threshold, so normal traffic does not look like fraud.
 */
import type { Catalog, ShopperProfile } from "../reference/catalog.ts";
import { CATEGORIES } from "../reference/categories.ts";
import { iso, lineCents, transactionEvent, viewEvent, type GeneratedEvent } from "./event.ts";
import { cumulative, type Random } from "./random.ts";

export type SessionKind = "browse" | "abandon" | "purchase";
const KINDS: SessionKind[] = ["browse", "abandon", "purchase"];
const KIND_WEIGHTS = cumulative([0.25, 0.1, 0.65]);
/** Share of purchases made with "buy now" straight from a product page, without the cart. */
const BUY_NOW = 0.45;
const QUANTITY_WEIGHTS = cumulative([0.85, 0.12, 0.03]);
/** Normal baskets stay below this, well under the 5000 high-value threshold. */
const MAX_NORMAL_BASKET = 4000;

/**
 * Mean events per session for the weights above; real-time mode divides the target rate by it
 * to get the session arrival rate. session.test.ts measures it over 100k sessions and fails
 * when a change to the journey makes this figure wrong.
 */
export const EVENTS_PER_SESSION = 3.24;

export interface SessionResult {
  events: GeneratedEvent[];
  /** When the shopper's last event happens (they may start another session after it). */
  endsAt: number;
  kind: SessionKind;
}

export function buildSession(
  catalog: Catalog,
  rng: Random,
  shopper: ShopperProfile,
  startAt: number,
): SessionResult {
  const kind = KINDS[rng.weighted(KIND_WEIGHTS)]!;
  const sessionId = rng.uuid();
  const userId = shopper.userId;
  const events: GeneratedEvent[] = [];
  let t = startAt;

  const viewed: number[] = [];
  const views = kind === "browse" ? rng.int(1, 5) : kind === "abandon" ? rng.int(1, 3) : rng.int(1, 2);
  for (let v = 0; v < views; v++) {
    const product = catalog.productFor(shopper, rng);
    const duration = Math.min(600, Math.max(1, Math.round(rng.logNormal(20, 0.8))));
    const category = CATEGORIES[catalog.categoryOf(product)]!.name;
    events.push(viewEvent(rng.uuid(), userId, sessionId, t, catalog.productId(product), category, duration));
    viewed.push(product);
    t += duration * 1000 + rng.int(1000, 15_000);
  }
  if (kind === "browse") return { events, endsAt: t, kind };

  const cap = Math.min(3 * shopper.band, MAX_NORMAL_BASKET);
  const cart = new Map<number, number>();

  if (kind === "purchase" && rng.chance(BUY_NOW)) {
    const product = viewed[viewed.length - 1]!;
    const q = rng.weighted(QUANTITY_WEIGHTS) + 1;
    cart.set(product, catalog.price(product) * q <= cap ? q : 1);
  } else {
    const adds = rng.int(1, 2);
    for (let a = 0; a < adds; a++) {
      t += rng.int(3000, 30_000);
      const product = rng.pick(viewed);
      let q = rng.weighted(QUANTITY_WEIGHTS) + 1;
      const before = basketTotalOf(catalog, cart);
      if (before + catalog.price(product) * q > cap) q = 1;
      if (cart.size > 0 && before + catalog.price(product) * q > cap) continue;
      cart.set(product, (cart.get(product) ?? 0) + q);
      events.push(cartEventOf(catalog, rng, userId, sessionId, t, product, "add", q));
    }
    if (rng.chance(0.1)) {
      // Change the quantity of one item, within the basket cap.
      const [product, current] = rng.pick([...cart]);
      const q = Math.max(1, Math.min(3, current + (rng.chance(0.5) ? 1 : -1)));
      const others = basketTotalOf(catalog, cart) - catalog.price(product) * current;
      if (q !== current && others + catalog.price(product) * q <= cap) {
        t += rng.int(2000, 20_000);
        cart.set(product, q);
        events.push(cartEventOf(catalog, rng, userId, sessionId, t, product, "update", q));
      }
    }
    if (cart.size >= 2 && rng.chance(0.15)) {
      // Remove one item entirely; at least one stays, so an abandoned cart is never empty.
      const [product, current] = rng.pick([...cart]);
      t += rng.int(2000, 20_000);
      cart.delete(product);
      events.push(cartEventOf(catalog, rng, userId, sessionId, t, product, "remove", current));
    }
  }
  if (kind === "abandon") return { events, endsAt: t, kind };

  t += rng.int(20_000, 180_000);
  events.push(
    transactionEvent({
      transactionId: rng.uuid(),
      userId,
      sessionId,
      at: t,
      items: [...cart].map(([p, quantity]) => ({
        product_id: catalog.productId(p),
        quantity,
        price: catalog.price(p),
      })),
      paymentMethod: catalog.paymentMethod(shopper.index, rng),
      country: shopper.country,
    }),
  );
  return { events, endsAt: t, kind };
}

function cartEventOf(
  catalog: Catalog,
  rng: Random,
  userId: string,
  sessionId: string,
  at: number,
  product: number,
  action: "add" | "remove" | "update",
  quantity: number,
): GeneratedEvent {
  return {
    topic: "cart_events",
    key: userId,
    at,
    value: {
      event_id: rng.uuid(),
      user_id: userId,
      product_id: catalog.productId(product),
      session_id: sessionId,
      timestamp: iso(at),
      action,
      quantity,
    },
  };
}

/** What totalOf gives for the cart's items, in the same order, without building them. */
function basketTotalOf(catalog: Catalog, cart: ReadonlyMap<number, number>): number {
  let cents = 0;
  for (const [product, quantity] of cart) cents += lineCents(catalog.price(product), quantity);
  return cents / 100;
}
