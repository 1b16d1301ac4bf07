/**
 * GlobalMart's reference data: users and products addressed by index and computed from the
 * seed on demand, so 10M users and 250k products cost no memory and every run with the same
 * seed sees the same shop.
 *
 * Each user has a price band (what they usually spend per item). Normal shopping stays inside
 * it, which is what makes "far outside the user's own history" a meaningful anomaly later.
 */
import { COUNTRIES, PAYMENT_METHODS, type Country, type PaymentMethod } from "../../core/events/schemas.ts";
import { cumulative, hash32, hashUnit, hashUuid, type Random } from "../generator/random.ts";
import { CATEGORIES } from "./categories.ts";

export interface Product {
  product_id: string;
  name: string;
  category: string;
  price: number;
  inventory: number;
  ratings: { average: number; count: number };
}

export interface User {
  user_id: string;
  email: string;
  age: number;
  country: Country;
  registration_date: string;
  preferences: string[];
}

/** Hash "fields": each attribute draws from its own independent hash stream. */
const F = {
  productId: 1,
  price: 2,
  inventory: 3,
  rating: 4,
  ratingCount: 5,
  name: 6,
  userId: 11,
  band: 12,
  band2: 13,
  country: 14,
  age: 15,
  registration: 16,
  preference: 17,
  preferenceCount: 18,
  payment: 19,
} as const;

const COUNTRY_WEIGHTS = cumulative([0.4, 0.2, 0.12, 0.16, 0.12]);
/** Payment mixes differ by country (PayPal and debit cards are strong in Germany, etc.). */
const PAYMENT_WEIGHTS: Record<Country, number[]> = {
  USA: cumulative([0.5, 0.2, 0.12, 0.12, 0.06]),
  UK: cumulative([0.35, 0.35, 0.12, 0.12, 0.06]),
  Canada: cumulative([0.5, 0.25, 0.1, 0.1, 0.05]),
  Germany: cumulative([0.2, 0.3, 0.35, 0.08, 0.07]),
  France: cumulative([0.45, 0.25, 0.15, 0.1, 0.05]),
};
const ADJECTIVES = [
  "Classic",
  "Compact",
  "Deluxe",
  "Eco",
  "Essential",
  "Premium",
  "Pro",
  "Smart",
  "Ultra",
  "Vintage",
];
const DAY_MS = 86_400_000;
const N_CATEGORIES = CATEGORIES.length;

function pickCumulative(u: number, weights: readonly number[]): number {
  const x = u * weights[weights.length - 1]!;
  let i = 0;
  while (weights[i]! <= x) i++;
  return i;
}

function bandOverlaps(c: number, band: number): boolean {
  const cat = CATEGORIES[c]!;
  return cat.minPrice <= band * 2 && cat.maxPrice >= band / 2;
}

export interface ShopperProfile {
  index: number;
  userId: string;
  band: number;
  prefs: number[];
  country: Country;
}

export class Catalog {
  /** Users reserved for planted anomalies: never used by normal shoppers. */
  readonly normalUsers: number;
  /**
   * Product ids and prices are asked for on every event; 250k of each is cheap to keep. Ids are
   * filled as products are first seen, in an array sized up front: filled at random indices,
   * a growing one fell into V8's slow dictionary mode.
   */
  private readonly productIds: string[];
  private readonly prices: Float64Array;

  constructor(
    readonly seed: number,
    readonly userCount: number,
    readonly productCount: number,
    /** Every user registered before this instant (the start of the simulated period). */
    readonly registeredBefore: number,
    readonly reservedUsers = 0,
  ) {
    if (productCount < N_CATEGORIES)
      throw new RangeError(`at least ${N_CATEGORIES} products are needed (one per category)`);
    if (reservedUsers >= userCount) throw new RangeError("reserved users must leave some normal users");
    this.normalUsers = userCount - reservedUsers;
    this.prices = new Float64Array(productCount).fill(NaN);
    this.productIds = new Array<string>(productCount).fill("");
  }

  // ------------------------------------------------------------------ products

  productId(i: number): string {
    const known = this.productIds[i]!;
    return known !== "" ? known : (this.productIds[i] = hashUuid(this.seed, F.productId, i));
  }

  /** Products are laid out round-robin: product i belongs to category i mod 100. */
  categoryOf(i: number): number {
    return i % N_CATEGORIES;
  }

  productsIn(c: number): number {
    return Math.floor((this.productCount - 1 - c) / N_CATEGORIES) + 1;
  }

  /** Log-uniform within the category's range, ending in .99 like shop prices do. */
  price(i: number): number {
    const cached = this.prices[i]!;
    return Number.isNaN(cached) ? (this.prices[i] = this.computePrice(i)) : cached;
  }

  private computePrice(i: number): number {
    const cat = CATEGORIES[this.categoryOf(i)]!;
    const raw = cat.minPrice * Math.pow(cat.maxPrice / cat.minPrice, hashUnit(this.seed, F.price, i));
    const shop = raw < 1 ? Math.round(raw * 100) / 100 : Math.floor(raw) + 0.99;
    return Math.min(cat.maxPrice, Math.max(cat.minPrice, shop));
  }

  product(i: number): Product {
    const cat = CATEGORIES[this.categoryOf(i)]!;
    const adjective = ADJECTIVES[hash32(this.seed, F.name, i) % ADJECTIVES.length]!;
    const inventoryU = hashUnit(this.seed, F.inventory, i);
    return {
      product_id: this.productId(i),
      name: `${adjective} ${cat.name} ${Math.floor(i / N_CATEGORIES) + 1}`,
      category: cat.name,
      price: this.price(i),
      // Mostly well stocked, a few near the low-stock thresholds.
      inventory: inventoryU < 0.05 ? Math.floor(inventoryU * 400) : 20 + Math.floor(inventoryU * 480),
      ratings: {
        average: Math.round((2.5 + 2.5 * Math.sqrt(hashUnit(this.seed, F.rating, i))) * 10) / 10,
        count: Math.floor(Math.pow(hashUnit(this.seed, F.ratingCount, i), 3) * 5000),
      },
    };
  }

  // ------------------------------------------------------------------ users

  userId(i: number): string {
    return hashUuid(this.seed, F.userId, i);
  }

  /** What the user usually pays per item: log-normal around 40, clipped to [8, 1200]. */
  band(i: number): number {
    const u1 = 1 - hashUnit(this.seed, F.band, i);
    const u2 = hashUnit(this.seed, F.band2, i);
    const normal = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    return Math.min(1200, Math.max(8, 40 * Math.exp(0.9 * normal)));
  }

  country(i: number): Country {
    return COUNTRIES[pickCumulative(hashUnit(this.seed, F.country, i), COUNTRY_WEIGHTS)]!;
  }

  /** The user's usual payment method (they stick to it 85% of the time). */
  paymentMethod(i: number, rng: Random): PaymentMethod {
    const u = rng.chance(0.85) ? hashUnit(this.seed, F.payment, i) : rng.next();
    return PAYMENT_METHODS[pickCumulative(u, PAYMENT_WEIGHTS[this.country(i)])]!;
  }

  /** One to three favourite categories whose prices suit the user's band. */
  preferences(i: number): number[] {
    const band = this.band(i);
    const want = 1 + (hash32(this.seed, F.preferenceCount, i) % 3);
    const found: number[] = [];
    for (let attempt = 0; attempt < 200 && found.length < want; attempt++) {
      const c = hash32(this.seed, F.preference, i, attempt) % N_CATEGORIES;
      if (bandOverlaps(c, band) && !found.includes(c)) found.push(c);
    }
    return found;
  }

  user(i: number): User {
    const daysBefore = 1 + (hash32(this.seed, F.registration, i) % 1000);
    return {
      user_id: this.userId(i),
      email: `user${i}@globalmart.example`,
      age: 18 + Math.floor(Math.pow(hashUnit(this.seed, F.age, i), 1.4) * 62),
      country: this.country(i),
      registration_date: new Date(Math.floor(this.registeredBefore / DAY_MS - daysBefore) * DAY_MS)
        .toISOString()
        .slice(0, 10),
      preferences: this.preferences(i).map((c) => CATEGORIES[c]!.name),
    };
  }

  // ------------------------------------------------------------------ sampling

  /** A popular product of category c (Zipf over the category's products). */
  popularIn(c: number, rng: Random): number {
    return rng.zipf(this.productsIn(c), 1.05) * N_CATEGORIES + c;
  }

  /** What a session needs to know about its shopper, computed once per session. */
  profile(user: number): ShopperProfile {
    return {
      index: user,
      userId: this.userId(user),
      band: this.band(user),
      prefs: this.preferences(user),
      country: this.country(user),
    };
  }

  /**
   * A product the shopper would look at: mostly from their favourite categories, popular ones
   * first, priced within half to twice their band.
   */
  productFor({ band, prefs }: ShopperProfile, rng: Random): number {
    let candidate = 0;
    for (let attempt = 0; attempt < 40; attempt++) {
      const c = prefs.length > 0 && rng.chance(0.8) ? rng.pick(prefs) : rng.int(0, N_CATEGORIES - 1);
      if (!bandOverlaps(c, band)) continue;
      candidate = this.popularIn(c, rng);
      const p = this.price(candidate);
      if (p >= band / 2 && p <= band * 2) return candidate;
    }
    return this.productPricedWithin(band / 2, band * 2, rng) ?? candidate;
  }

  /** Any product priced in [min, max], searched from a random start; undefined if none. */
  productPricedWithin(min: number, max: number, rng: Random): number | undefined {
    const start = rng.int(0, this.productCount - 1);
    for (let step = 0; step < Math.min(this.productCount, 20_000); step++) {
      const i = (start + step) % this.productCount;
      const p = this.price(i);
      if (p >= min && p <= max) return i;
    }
    return undefined;
  }

  /** A normal shopper, Zipf-skewed so some customers buy often and most rarely. */
  shopper(rng: Random): number {
    // Multiplying by a prime spreads the busy users over the index range (and stays far
    // below 2^53 for any realistic user count).
    const rank = rng.zipf(this.normalUsers, 0.7);
    return (rank * 48_271) % this.normalUsers;
  }
}
