/**
 * The GlobalMart journey simulator: shoppers arrive following a daily traffic curve, each
 * session is a small journey (session.ts), a few purchases are refunded days later, and
 * planted anomaly episodes (anomalies.ts) are mixed in. Events come out in event-time order,
 * deterministically for a given seed and options.
 */
import { REFUND_REASONS } from "../../core/events/schemas.ts";
import { Catalog } from "../reference/catalog.ts";
import { EPISODE_SPAN, plantEpisode } from "./anomalies.ts";
import { ANOMALY_TYPES, iso, type GeneratedEvent, type GeneratedTransaction } from "./event.ts";
import { EventHeap } from "./heap.ts";
import { cumulative, Random } from "./random.ts";
import { buildSession, EVENTS_PER_SESSION } from "./session.ts";

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
/** Share of sessions that end in a purchase (session.ts KIND_WEIGHTS). */
const PURCHASE_SHARE = 0.65;
const REFUND_REASON_WEIGHTS = cumulative([0.35, 0.3, 0.2, 0.15]);

export interface SimulationOptions {
  seed: number;
  users: number;
  products: number;
  /** Events are produced for event times in [start, end). */
  start: number;
  end: number;
  /**
   * Volume: either transactions per simulated day following the daily curve (backfill) or
   * a steady number of events per second (real time).
   */
  volume: { transactionsPerDay: number } | { eventsPerSecond: number };
  /** Planted anomaly episodes per normal transaction. */
  anomalyRate?: number;
  refundRate?: number;
  /**
   * Simulated before `start` and discarded, so the first minutes are already in full swing.
   * Default for a steady rate: 7 minutes (longer than 99.9% of sessions), but never more than
   * about 500k simulated events, since nothing is emitted until the warm-up is done (at high
   * rates the first minutes then run a little under the target instead of starting late).
   * None for a daily-curve backfill. With a warm-up,
   * a session that began before `start` shows only its later events (as a live feed joined
   * mid-day would), so a backfill, whose data sets must hold whole journeys, has none.
   */
  warmupMs?: number;
}

/** Traffic by hour of day (UTC): quiet at night, peak in the evening; averages 1. */
export function dailyCurve(ms: number): number {
  const hour = (ms % DAY_MS) / HOUR_MS;
  return 1 + 0.5 * Math.sin((2 * Math.PI * (hour - 14)) / 24);
}

export class JourneySimulator {
  readonly catalog: Catalog;
  readonly episodes: number;
  private readonly rng: Random;
  private readonly heap = new EventHeap();
  private readonly sessionsPerMs: number;
  private readonly steady: boolean;
  private readonly refundRate: number;
  /** Shoppers in a session now, with when it ends: one session per shopper at a time. */
  private readonly busyUntil = new Map<number, number>();

  constructor(private readonly options: SimulationOptions) {
    const { users, products, seed, start, end } = options;
    if (!(end > start)) throw new RangeError("end must be after start");
    this.steady = "eventsPerSecond" in options.volume;
    this.sessionsPerMs =
      "eventsPerSecond" in options.volume
        ? options.volume.eventsPerSecond / EVENTS_PER_SESSION / 1000
        : options.volume.transactionsPerDay / PURCHASE_SHARE / DAY_MS;
    this.refundRate = options.refundRate ?? 0.03;
    const expectedTransactions = this.sessionsPerMs * PURCHASE_SHARE * (end - start);
    // Episodes need room around them; a short real-time run simply plants none.
    const roomForEpisodes = end - start > EPISODE_SPAN.beforeMs + EPISODE_SPAN.afterMs;
    this.episodes = roomForEpisodes ? Math.round(expectedTransactions * (options.anomalyRate ?? 0.005)) : 0;
    const reserved = this.episodes === 0 ? 0 : Math.max(this.episodes, Math.ceil(users * 0.01));
    if (reserved > users / 2) {
      throw new RangeError(
        `${users} users are too few for ${this.episodes} anomaly episodes: use more users or a lower anomaly rate`,
      );
    }
    this.catalog = new Catalog(seed, users, products, start, reserved);
    this.rng = new Random(seed, 1);
  }

  /** Events with event time in [start, end), in event-time order. */
  *events(): Generator<GeneratedEvent> {
    const { start, end } = this.options;
    this.plantEpisodes();
    let clock = start - (this.options.warmupMs ?? this.defaultWarmupMs());
    let nextArrival = clock + this.gap(clock);
    let spawned = 0;
    for (;;) {
      if (nextArrival < end && nextArrival <= this.heap.peekTime()) {
        clock = nextArrival;
        this.spawnSession(clock);
        nextArrival = clock + this.gap(clock);
        if (++spawned % 10_000 === 0) this.forgetIdleShoppers(clock);
        continue;
      }
      const event = this.heap.pop();
      if (event === undefined || event.at >= end) return;
      if (event.at < start) continue;
      if (event.topic === "transactions") this.maybeRefund(event);
      yield event;
    }
  }

  private defaultWarmupMs(): number {
    if (!this.steady) return 0;
    const eventsPerMs = this.sessionsPerMs * EVENTS_PER_SESSION;
    return Math.min(7 * 60_000, 500_000 / eventsPerMs);
  }

  /**
   * Milliseconds until the next session starts (Poisson arrivals, rate following the curve).
   * Fractional on purpose: at thousands of sessions a second the mean gap is below 1 ms, and
   * rounding gaps to whole milliseconds would cap the rate.
   */
  private gap(at: number): number {
    const rate = this.sessionsPerMs * (this.steady ? 1 : dailyCurve(at));
    return this.rng.exponential(1 / rate);
  }

  private spawnSession(at: number): void {
    let shopper = this.catalog.shopper(this.rng);
    for (let tries = 0; (this.busyUntil.get(shopper) ?? -Infinity) > at && tries < 5; tries++) {
      shopper = this.catalog.shopper(this.rng);
    }
    if ((this.busyUntil.get(shopper) ?? -Infinity) > at) return;
    const session = buildSession(this.catalog, this.rng, this.catalog.profile(shopper), Math.floor(at));
    this.busyUntil.set(shopper, session.endsAt);
    for (const event of session.events) this.heap.push(event);
  }

  private forgetIdleShoppers(now: number): void {
    for (const [shopper, until] of this.busyUntil) if (until <= now) this.busyUntil.delete(shopper);
  }

  /** Some normal purchases come back: hours to weeks later, whole or one line. */
  private maybeRefund(tx: GeneratedTransaction): void {
    if (tx.labels !== undefined || tx.value.session_id === null || !this.rng.chance(this.refundRate)) return;
    const at = tx.at + Math.max(HOUR_MS, Math.round(this.rng.exponential(3 * DAY_MS)));
    const products = tx.value.products;
    const line = products[this.rng.int(0, products.length - 1)]!;
    const amount = this.rng.chance(0.6)
      ? tx.value.total_amount
      : Math.round(line.price * line.quantity * 100) / 100;
    this.heap.push({
      topic: "refunds",
      key: tx.key,
      at,
      value: {
        refund_id: this.rng.uuid(),
        transaction_id: tx.value.transaction_id,
        user_id: tx.value.user_id,
        timestamp: iso(at),
        amount,
        reason: REFUND_REASONS[this.rng.weighted(REFUND_REASON_WEIGHTS)]!,
      },
    });
  }

  /** Anomaly episodes at random times, each on its own reserved user, types in turn. */
  private plantEpisodes(): void {
    const { start, end } = this.options;
    const rng = new Random(this.options.seed, 2);
    const from = start + EPISODE_SPAN.beforeMs;
    const to = end - EPISODE_SPAN.afterMs;
    for (let k = 0; k < this.episodes; k++) {
      const type = ANOMALY_TYPES[k % ANOMALY_TYPES.length]!;
      const at = Math.floor(rng.uniform(from, to));
      for (const event of plantEpisode(type, this.catalog, rng, this.catalog.normalUsers + k, at))
        this.heap.push(event);
    }
  }
}
