import { describe, expect, it } from "vitest";
import { validateEvent } from "../../core/events/validate.ts";
import type { Transaction } from "../../core/events/schemas.ts";
import { RULES } from "./anomalies.ts";
import { ANOMALY_TYPES, type AnomalyType, type GeneratedEvent } from "./event.ts";
import { JourneySimulator, type SimulationOptions } from "./simulator.ts";

const START = Date.parse("2026-11-01T00:00:00.000Z");
const DAY = 86_400_000;
const base: SimulationOptions = {
  seed: 7,
  users: 3000,
  products: 2000,
  start: START,
  end: START + 2 * DAY,
  volume: { transactionsPerDay: 15_000 },
  anomalyRate: 0.01,
};

const run = (options: SimulationOptions = base) => [...new JourneySimulator(options).events()];
const events = run();
const txs = events.filter(
  (e): e is Extract<GeneratedEvent, { topic: "transactions" }> => e.topic === "transactions",
);

/** An independent brute-force implementation of the detection rules in anomalies.ts. */
function detect(all: Transaction[]): Map<string, Set<AnomalyType>> {
  const found = new Map<string, Set<AnomalyType>>();
  const flag = (tx: Transaction, type: AnomalyType) => {
    const set = found.get(tx.transaction_id) ?? new Set<AnomalyType>();
    set.add(type);
    found.set(tx.transaction_id, set);
  };
  const byUser = new Map<string, Transaction[]>();
  for (const tx of all) byUser.set(tx.user_id, [...(byUser.get(tx.user_id) ?? []), tx]);
  const time = (tx: Transaction) => Date.parse(tx.timestamp);
  for (const list of byUser.values()) {
    // Every run of transactions spanning less than the window; flag all members of qualifying runs.
    const windows = (
      ms: number,
      keep: (run: Transaction[]) => boolean,
      type: AnomalyType,
      eligible = (_: Transaction) => true,
    ) => {
      const xs = list.filter(eligible);
      for (let i = 0; i < xs.length; i++) {
        for (let j = i; j < xs.length && time(xs[j]!) - time(xs[i]!) < ms; j++) {
          const run = xs.slice(i, j + 1);
          if (keep(run)) run.forEach((tx) => flag(tx, type));
        }
      }
    };
    windows(RULES.rapidWindowMs, (r) => r.length >= RULES.rapidCount, "rapid_transactions");
    windows(
      RULES.velocityWindowMs,
      (r) => r.length >= RULES.cardTestingCount,
      "card_testing",
      (tx) => tx.total_amount < RULES.tinyAmount,
    );
    windows(
      RULES.velocityWindowMs,
      (r) => r.length >= 2 && r.reduce((s, tx) => s + tx.total_amount, 0) > RULES.velocitySum,
      "velocity_amount",
    );
    const history: number[] = [];
    for (const tx of list) {
      if (tx.total_amount > RULES.highValue) flag(tx, "high_value");
      if (tx.products.some((p) => p.quantity > RULES.unusualQuantity)) flag(tx, "unusual_quantity");
      if (history.length >= RULES.outlierMinHistory) {
        const mean = history.reduce((a, b) => a + b, 0) / history.length;
        const std = Math.sqrt(history.reduce((a, b) => a + (b - mean) ** 2, 0) / history.length);
        if (
          tx.total_amount > mean + RULES.outlierSigmas * std &&
          tx.total_amount >= RULES.outlierRatio * mean
        )
          flag(tx, "statistical_outlier");
      }
      history.push(tx.total_amount);
    }
  }
  return found;
}

describe("JourneySimulator", { timeout: 30_000 }, () => {
  it("is deterministic: same seed and options, same events", () => {
    const again = run();
    expect(again.length).toBe(events.length);
    expect(JSON.stringify(again.slice(-500))).toBe(JSON.stringify(events.slice(-500)));
    expect(JSON.stringify(run({ ...base, seed: 8 }).slice(0, 50))).not.toBe(
      JSON.stringify(events.slice(0, 50)),
    );
  });

  it("emits valid events, keyed by user, in event-time order, inside [start, end)", () => {
    let previous = -Infinity;
    for (const e of events) {
      const result = validateEvent(e.topic, e.value, { now: base.end });
      if (!result.ok) throw new Error(`${e.topic}: ${result.reason}`);
      expect(e.key).toBe(e.value.user_id);
      expect(Date.parse(e.value.timestamp)).toBe(e.at);
      expect(e.at).toBeGreaterThanOrEqual(previous);
      previous = e.at;
    }
    expect(events[0]!.at).toBeGreaterThanOrEqual(base.start);
    expect(events.at(-1)!.at).toBeLessThan(base.end);
  });

  it("produces about 20% transactions, 60% views, 20% cart events, at the requested volume", () => {
    const share = (topic: string) => events.filter((e) => e.topic === topic).length / events.length;
    expect(share("transactions")).toBeGreaterThan(0.17);
    expect(share("transactions")).toBeLessThan(0.23);
    expect(share("product_views")).toBeGreaterThan(0.55);
    expect(share("product_views")).toBeLessThan(0.65);
    expect(share("cart_events")).toBeGreaterThan(0.17);
    expect(share("cart_events")).toBeLessThan(0.23);
    expect(share("refunds")).toBeGreaterThan(0);
    const perDay = txs.length / 2;
    expect(perDay).toBeGreaterThan(15_000 * 0.95);
    expect(perDay).toBeLessThan(15_000 * 1.05);
  });

  it("follows a daily curve: evening hours are busier than early morning", () => {
    const hourCount = (h: number) => events.filter((e) => new Date(e.at).getUTCHours() === h).length;
    expect(hourCount(20)).toBeGreaterThan(2 * hourCount(8));
  });

  it("skews product popularity: the top 1% of products get over 5 times their even share of views", () => {
    const views = new Map<string, number>();
    for (const e of events)
      if (e.topic === "product_views")
        views.set(e.value.product_id, (views.get(e.value.product_id) ?? 0) + 1);
    const sorted = [...views.values()].sort((a, b) => b - a);
    const total = sorted.reduce((a, b) => a + b, 0);
    const top = sorted.slice(0, Math.ceil(base.products / 100)).reduce((a, b) => a + b, 0);
    expect(top / total).toBeGreaterThan(0.05);
  });

  it("gives every session-bound transaction earlier views in its session", () => {
    const firstView = new Map<string, number>();
    for (const e of events)
      if (e.topic === "product_views" && !firstView.has(e.value.session_id))
        firstView.set(e.value.session_id, e.at);
    const withSession = txs.filter((t) => t.value.session_id !== null);
    expect(withSession.length).toBeGreaterThan(txs.length * 0.9);
    for (const tx of withSession) expect(firstView.get(tx.value.session_id!)).toBeLessThan(tx.at);
  });

  it("leaves abandoned sessions with items in the cart and no transaction", () => {
    const cart = new Map<string, Map<string, number>>();
    for (const e of events) {
      if (e.topic !== "cart_events") continue;
      const items = cart.get(e.value.session_id) ?? new Map<string, number>();
      const q = items.get(e.value.product_id) ?? 0;
      const next =
        e.value.action === "add" ? q + e.value.quantity : e.value.action === "update" ? e.value.quantity : 0;
      if (next > 0) items.set(e.value.product_id, next);
      else items.delete(e.value.product_id);
      cart.set(e.value.session_id, items);
    }
    const purchased = new Set(txs.map((t) => t.value.session_id));
    const abandoned = [...cart].filter(([session]) => !purchased.has(session));
    expect(abandoned.length).toBeGreaterThan(100);
    for (const [, items] of abandoned) expect(items.size).toBeGreaterThan(0);
    // Checkout buys exactly what the cart held.
    for (const tx of txs) {
      const items = tx.value.session_id === null ? undefined : cart.get(tx.value.session_id);
      if (!items) continue; // "buy now" skips the cart
      expect(new Map(tx.value.products.map((p) => [p.product_id, p.quantity]))).toEqual(items);
    }
  });

  it("plants every anomaly type, and its labels are exactly what the detection rules find", () => {
    const labelled = new Map(
      txs.filter((t) => t.labels).map((t) => [t.value.transaction_id, new Set(t.labels)]),
    );
    const detected = detect(txs.map((t) => t.value));
    expect(detected).toEqual(labelled);
    const types = new Set([...labelled.values()].flatMap((s) => [...s]));
    expect([...types].sort()).toEqual([...ANOMALY_TYPES].sort());
    const sim = new JourneySimulator(base);
    expect(sim.episodes).toBe(Math.round(15_000 * 2 * 0.01));
  });

  it("never puts labels into the events themselves", () => {
    for (const tx of txs.filter((t) => t.labels))
      expect(JSON.stringify(tx.value)).not.toMatch(/anomal|label/);
  });

  it("refunds only real purchases, after them, never for more than was paid", () => {
    const byId = new Map(txs.map((t) => [t.value.transaction_id, t]));
    for (const e of events) {
      if (e.topic !== "refunds") continue;
      const tx = byId.get(e.value.transaction_id)!;
      expect(tx).toBeDefined();
      expect(e.at).toBeGreaterThan(tx.at);
      expect(e.value.amount).toBeLessThanOrEqual(tx.value.total_amount);
      expect(e.key).toBe(tx.key);
    }
  });

  it("plants nothing in a run too short for an episode, and refuses too few users", () => {
    expect(new JourneySimulator({ ...base, end: START + 10 * 60_000 }).episodes).toBe(0);
    expect(() => new JourneySimulator({ ...base, users: 100 })).toThrow(/too few/);
  });
});
