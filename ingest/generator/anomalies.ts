/**
 * Planted anomalies with ground truth. Each episode happens to a user reserved for it (never
 * a normal shopper), so the whole history the detector sees for that user is known here and
 * the labels are exact. Each episode is shaped to trip its own rule (core/anomaly-rules.ts)
 * and no other.
 */
import type { Catalog } from "../reference/catalog.ts";
import { CATEGORIES } from "../reference/categories.ts";
import { transactionEvent, viewEvent, type AnomalyType, type GeneratedEvent } from "./event.ts";
import type { Random } from "./random.ts";
import { RULES } from "../../core/anomaly-rules.ts";

export { RULES };

/** How much time before and after its anchor an episode needs inside the simulated period. */
export const EPISODE_SPAN = { beforeMs: 15 * 60_000, afterMs: 5 * 60_000 } as const;

interface Episode {
  catalog: Catalog;
  rng: Random;
  user: number;
  /** The anchor time: the episode's main event happens here. */
  at: number;
}

/** A line of an order: product index and quantity. */
type Pick = { product: number; quantity: number };

function priced(e: Episode, min: number, max: number): number {
  const p = e.catalog.productPricedWithin(min, max, e.rng);
  if (p === undefined) throw new RangeError(`no product priced ${min}..${max}: use more products`);
  return p;
}

function amountOf(e: Episode, picks: Pick[]): number {
  return picks.reduce((sum, { product, quantity }) => sum + e.catalog.price(product) * quantity, 0);
}

/** A transaction, optionally preceded by a one-view session (how a human shopper buys). */
function purchase(
  e: Episode,
  at: number,
  picks: Pick[],
  labels: AnomalyType[] | undefined,
  withSession: boolean,
) {
  const { catalog, rng } = e;
  const userId = catalog.userId(e.user);
  const events: GeneratedEvent[] = [];
  let sessionId: string | null = null;
  if (withSession) {
    sessionId = rng.uuid();
    const viewed = picks[0]!.product;
    const category = CATEGORIES[catalog.categoryOf(viewed)]!.name;
    events.push(
      viewEvent(
        rng.uuid(),
        userId,
        sessionId,
        at - rng.int(20_000, 40_000),
        catalog.productId(viewed),
        category,
        rng.int(5, 15),
      ),
    );
  }
  events.push(
    transactionEvent({
      transactionId: rng.uuid(),
      userId,
      sessionId,
      at,
      items: picks.map(({ product, quantity }) => ({
        product_id: catalog.productId(product),
        quantity,
        price: catalog.price(product),
      })),
      paymentMethod: catalog.paymentMethod(e.user, rng),
      country: catalog.country(e.user),
      ...(labels ? { labels } : {}),
    }),
  );
  return events;
}

const episodes: Record<AnomalyType, (e: Episode) => GeneratedEvent[]> = {
  high_value(e) {
    const picks: Pick[] = [];
    while (amountOf(e, picks) <= RULES.highValue + 200 && picks.length < 4) {
      const product = priced(e, 500, 2500);
      const want = e.rng.uniform(5300, 12_000) - amountOf(e, picks);
      picks.push({ product, quantity: Math.min(5, Math.max(1, Math.ceil(want / e.catalog.price(product)))) });
    }
    return purchase(e, e.at, picks, ["high_value"], true);
  },

  unusual_quantity(e) {
    const q = e.rng.int(RULES.unusualQuantity + 1, 40);
    const product = priced(e, 1, Math.min(100, 4000 / q));
    return purchase(e, e.at, [{ product, quantity: q }], ["unusual_quantity"], true);
  },

  rapid_transactions(e) {
    // Same product each time: identical amounts, so no statistical outlier either.
    const n = e.rng.int(RULES.rapidCount, 8);
    const product = priced(e, 10, 200);
    const events: GeneratedEvent[] = [];
    let t = e.at;
    for (let k = 0; k < n; k++) {
      events.push(...purchase(e, t, [{ product, quantity: 1 }], ["rapid_transactions"], false));
      t += e.rng.int(4000, 7000);
    }
    return events;
  },

  card_testing(e) {
    // 16-25 s apart: never 5 within a minute (that would be rapid), all within 5 minutes.
    const n = e.rng.int(6, 12);
    const cheap = [priced(e, 1, RULES.tinyAmount - 0.01), priced(e, 1, RULES.tinyAmount - 0.01)];
    const events: GeneratedEvent[] = [];
    let t = e.at;
    for (let k = 0; k < n; k++) {
      events.push(...purchase(e, t, [{ product: e.rng.pick(cheap), quantity: 1 }], ["card_testing"], false));
      t += e.rng.int(16_000, 25_000);
    }
    return events;
  },

  velocity_amount(e) {
    // 3-4 orders of 3600-4900 within 4 minutes: each under the high-value threshold, together
    // above the velocity sum.
    const n = e.rng.int(3, 4);
    const events: GeneratedEvent[] = [];
    let t = e.at;
    for (let k = 0; k < n; k++) {
      let picks: Pick[];
      do {
        const product = priced(e, 700, 2400);
        picks = [{ product, quantity: Math.floor(4900 / e.catalog.price(product)) }];
      } while (amountOf(e, picks) < 3600);
      events.push(...purchase(e, t, picks, ["velocity_amount"], false));
      t += e.rng.int(30_000, 75_000);
    }
    return events;
  },

  statistical_outlier(e) {
    // Five to seven ordinary orders around a base amount, 70-120 s apart, then one at 25-50x.
    const base = e.rng.uniform(20, 80);
    const priors = e.rng.int(RULES.outlierMinHistory, 7);
    const events: GeneratedEvent[] = [];
    let t = e.at - priors * 120_000;
    for (let k = 0; k < priors; k++) {
      events.push(
        ...purchase(e, t, [{ product: priced(e, base * 0.8, base * 1.2), quantity: 1 }], undefined, true),
      );
      t += e.rng.int(70_000, 120_000);
    }
    const spike = priced(e, Math.max(100, base * 25), Math.min(4900, base * 50));
    events.push(
      ...purchase(e, Math.max(t, e.at), [{ product: spike, quantity: 1 }], ["statistical_outlier"], true),
    );
    return events;
  },
};

export function plantEpisode(
  type: AnomalyType,
  catalog: Catalog,
  rng: Random,
  user: number,
  at: number,
): GeneratedEvent[] {
  return episodes[type]({ catalog, rng, user, at });
}
