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
  /**
   * Draws sessions and episodes from other random streams of the same seed: the same catalogue
   * (users, products) with new journeys and ids, for a second run that must not repeat the
   * first's transaction ids (the demo's real-time feed after its backfill). 0 = the default.
   */
  salt?: number;
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
  /**
   * This simulator's part of a simulation split by shopper (sharded.ts): shoppers whose index
   * is `index` modulo `count`, a `count`-th of the arrivals, and every `count`-th anomaly
   * episode. Default: the whole simulation.
   */
  shard?: SimulationShard;
}

/** Shard `index` of `count` (sharded.ts). */
export interface SimulationShard {
  index: number;
  count: number;
}

/** Traffic by hour of day (UTC): quiet at night, peak in the evening; averages 1. */
function dailyCurve(ms: number): number {
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
  private readonly shard: SimulationShard;
  /** Episodes of the whole simulation; this shard plants every `count`-th. */
  private readonly allEpisodes: number;

  constructor(private readonly options: SimulationOptions) {
    const { users, products, seed, start, end } = options;
    if (!(end > start)) throw new RangeError("end must be after start");
    this.shard = options.shard ?? { index: 0, count: 1 };
    const { index, count } = this.shard;
    if (!(Number.isInteger(count) && count >= 1 && Number.isInteger(index) && index >= 0 && index < count))
      throw new RangeError(`shard ${index} of ${count} is not a shard`);
    this.steady = "eventsPerSecond" in options.volume;
    const sessionsPerMs =
      "eventsPerSecond" in options.volume
        ? options.volume.eventsPerSecond / EVENTS_PER_SESSION / 1000
        : options.volume.transactionsPerDay / PURCHASE_SHARE / DAY_MS;
    this.sessionsPerMs = sessionsPerMs / count;
    this.refundRate = options.refundRate ?? 0.03;
    const expectedTransactions = sessionsPerMs * PURCHASE_SHARE * (end - start);
    // Episodes need room around them; a short real-time run simply plants none.
    const roomForEpisodes = end - start > EPISODE_SPAN.beforeMs + EPISODE_SPAN.afterMs;
    this.allEpisodes = roomForEpisodes
      ? Math.round(expectedTransactions * (options.anomalyRate ?? 0.005))
      : 0;
    this.episodes = Math.floor((this.allEpisodes + count - 1 - index) / count);
    const reserved = this.allEpisodes === 0 ? 0 : Math.max(this.allEpisodes, Math.ceil(users * 0.01));
    if (reserved > users / 2) {
      throw new RangeError(
        `${users} users are too few for ${this.allEpisodes} anomaly episodes: use more users or a lower anomaly rate`,
      );
    }
    if (users - reserved < count) throw new RangeError(`${users} users are too few for ${count} shards`);
    this.catalog = new Catalog(seed, users, products, start, reserved);
    // Shard 0 draws what an unsharded simulation draws; the others their own streams.
    const salt = 10_000 * (options.salt ?? 0);
    this.rng = new Random(seed, (index === 0 ? 1 : 1000 + index) + salt);
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

  /** A shopper of this shard: the catalogue's Zipf pick, moved to the nearest index of the shard. */
  private shopper(): number {
    const { index, count } = this.shard;
    const pick = this.catalog.shopper(this.rng);
    if (count === 1) return pick;
    const own = pick - (pick % count) + index;
    return own < this.catalog.normalUsers ? own : own - count;
  }

  private spawnSession(at: number): void {
    let shopper = this.shopper();
    for (let tries = 0; (this.busyUntil.get(shopper) ?? -Infinity) > at && tries < 5; tries++) {
      shopper = this.shopper();
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
    const rng = new Random(this.options.seed, 2 + 10_000 * (this.options.salt ?? 0));
    const from = start + EPISODE_SPAN.beforeMs;
    const to = end - EPISODE_SPAN.afterMs;
    const { index, count } = this.shard;
    // Every shard draws every episode, so each is the same whatever the shard count; a
    // shard keeps its own.
    for (let k = 0; k < this.allEpisodes; k++) {
      const type = ANOMALY_TYPES[k % ANOMALY_TYPES.length]!;
      const at = Math.floor(rng.uniform(from, to));
      const events = plantEpisode(type, this.catalog, rng, this.catalog.normalUsers + k, at);
      if (k % count === index) for (const event of events) this.heap.push(event);
    }
  }
}
