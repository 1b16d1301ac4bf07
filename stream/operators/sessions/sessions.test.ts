import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { CartEvent, Transaction } from "../../../core/events/schemas.ts";
import { Keyed } from "../state.ts";
import { MINUTE } from "../time.ts";
import {
  closeSessions,
  DEFAULT_SESSION_RULES,
  sessionCart,
  sessionPurchase,
  sessions as sessionsOperator,
  sessionView,
  type SessionState,
} from "./sessions.ts";

const T0 = Date.parse("2026-11-10T10:00:00.000Z");
const P1 = randomUUID();
const P2 = randomUUID();
const products = { get: (id: string) => ({ category: "Books", priceCents: id === P1 ? 1000 : 250 }) };
const user = randomUUID();
const session = randomUUID();

const cart = (action: CartEvent["action"], product: string, quantity: number): CartEvent => ({
  event_id: randomUUID(),
  user_id: user,
  product_id: product,
  session_id: session,
  timestamp: "",
  action,
  quantity,
});
const checkout = {
  transaction_id: randomUUID(),
  user_id: user,
  session_id: session,
  total_amount: 20,
} as Transaction;
const view = { event_id: randomUUID(), user_id: user, session_id: session } as never;

function setup() {
  const sessions = new Keyed<SessionState>();
  const out = sessionsOperator.output();
  const c = { out, products, sessions: DEFAULT_SESSION_RULES };
  return { sessions, out, c };
}

describe("sessions", () => {
  it("reports an abandoned cart once, 15 minutes after the last cart activity, with its value", () => {
    const { sessions, out, c } = setup();
    sessionView(c, sessions, view, T0);
    sessionCart(c, sessions, cart("add", P1, 2), T0 + MINUTE);
    sessionCart(c, sessions, cart("add", P2, 1), T0 + 2 * MINUTE);
    sessionCart(c, sessions, cart("update", P2, 3), T0 + 3 * MINUTE);
    closeSessions(out, sessions, T0 + 17 * MINUTE, products, DEFAULT_SESSION_RULES);
    expect(out.abandonments).toEqual([]);
    closeSessions(out, sessions, T0 + 18 * MINUTE + 1, products, DEFAULT_SESSION_RULES);
    closeSessions(out, sessions, T0 + 20 * MINUTE, products, DEFAULT_SESSION_RULES);
    expect(out.abandonments).toEqual([
      {
        sessionId: session,
        userId: user,
        lastCartActivity: T0 + 3 * MINUTE,
        abandonedAt: T0 + 18 * MINUTE,
        items: 5,
        distinctProducts: 2,
        valueCents: 2 * 1000 + 3 * 250,
      },
    ]);
    closeSessions(out, sessions, T0 + 33 * MINUTE + 1, products, DEFAULT_SESSION_RULES);
    expect(out.sessions).toMatchObject([
      { pageViews: 1, cartAdds: 2, cartUpdates: 1, purchases: 0, abandoned: true },
    ]);
    expect(sessions.size).toBe(0);
  });

  it("empties the cart at checkout by event time, whichever topic was read first", () => {
    for (const order of ["cart first", "checkout first"]) {
      const { sessions, out, c } = setup();
      const adds = () => {
        sessionCart(c, sessions, cart("add", P1, 1), T0);
        sessionCart(c, sessions, cart("add", P2, 1), T0 + MINUTE);
      };
      if (order === "cart first") adds();
      sessionPurchase(c, sessions, checkout, T0 + 2 * MINUTE);
      if (order === "checkout first") adds();
      closeSessions(out, sessions, T0 + 40 * MINUTE, products, DEFAULT_SESSION_RULES);
      expect(out.abandonments, order).toEqual([]);
      expect(out.sessions, order).toMatchObject([
        { start: T0, end: T0 + 2 * MINUTE, purchases: 1, purchaseCents: 2000, abandoned: false },
      ]);
    }
  });

  it("starts a new session when the same id comes back after more than the gap", () => {
    const { sessions, out, c } = setup();
    sessionView(c, sessions, view, T0);
    sessionView(c, sessions, view, T0 + 31 * MINUTE);
    expect(out.sessions).toMatchObject([{ start: T0, end: T0, pageViews: 1 }]);
    expect(sessions.get(session)).toMatchObject({ start: T0 + 31 * MINUTE, views: 1 });
  });
});
