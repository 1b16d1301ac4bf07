/**
 * Deterministic randomness for the generator. Byte-identical output for the same seed is a
 * promise to users, so the algorithm lives here (sfc32 seeded through splitmix32, both public
 * domain and tiny) rather than in a dependency whose next version could change the stream.
 */

/** splitmix32 step: a good 32-bit mixer, used to seed and to hash. */
function mix32(x: number): number {
  x = (x + 0x9e3779b9) | 0;
  x = Math.imul(x ^ (x >>> 16), 0x21f0aaad);
  x = Math.imul(x ^ (x >>> 15), 0x735a2d97);
  return (x ^ (x >>> 15)) >>> 0;
}

/**
 * A stateless hash of up to four integers to a uniform 32-bit value: the attributes of user #i
 * or product #i are computed from (seed, field, i) on demand, so 10M users need no memory.
 * Fixed arity on purpose: this runs several times per generated event and must not allocate.
 */
export function hash32(a: number, b = 0, c = 0, d = 0): number {
  let h = mix32(0x811c9dc5 ^ a);
  h = mix32(h ^ Math.floor(a / 0x100000000));
  h = mix32(h ^ b);
  h = mix32(h ^ c);
  h = mix32(h ^ Math.floor(c / 0x100000000));
  return mix32(h ^ d);
}

/** hash32 mapped to [0, 1). */
export function hashUnit(a: number, b = 0, c = 0, d = 0): number {
  return hash32(a, b, c, d) / 0x100000000;
}

const HEX_CODES = Array.from("0123456789abcdef", (c) => c.charCodeAt(0));
/** Character positions of the 32 hex digits in a UUID (the dashes sit at 8, 13, 18, 23). */
const DIGIT_AT = Array.from({ length: 36 }, (_, i) => i).filter((i) => ![8, 13, 18, 23].includes(i));
const uuidCodes = new Array<number>(36).fill(0x2d);

function putHex(word: number, digit: number): void {
  for (let k = 0; k < 8; k++) uuidCodes[DIGIT_AT[digit + k]!] = HEX_CODES[(word >>> (28 - 4 * k)) & 15]!;
}

/**
 * Formats four 32-bit words as a UUID in the version 4 layout (version nibble 4, variant
 * 8-b). Built from character codes into one flat string: concatenated pieces made a rope that
 * JSON.stringify had to flatten for every event (measured: 0.9 -> 0.2 us to make an id, and
 * serialising it 2-3x faster).
 */
function uuidFromWords(a: number, b: number, c: number, d: number): string {
  putHex(a >>> 0, 0);
  putHex(((b & 0xffff0fff) | 0x4000) >>> 0, 8);
  putHex(((c & 0x3fffffff) | 0x80000000) >>> 0, 16);
  putHex(d >>> 0, 24);
  return String.fromCharCode.apply(null, uuidCodes);
}

/** A deterministic UUID from (a, b, c): product and user ids. */
export function hashUuid(a: number, b: number, c: number): string {
  return uuidFromWords(hash32(a, b, c, 1), hash32(a, b, c, 2), hash32(a, b, c, 3), hash32(a, b, c, 4));
}

/** sfc32: a fast 32-bit generator with a 128-bit state. */
export class Random {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number, stream = 0) {
    this.a = hash32(seed, stream, 0, 0xa);
    this.b = hash32(seed, stream, 0, 0xb);
    this.c = hash32(seed, stream, 0, 0xc);
    this.d = 1;
    for (let i = 0; i < 12; i++) this.nextU32();
  }

  nextU32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** A fresh UUID from this stream: event, session and transaction ids. */
  uuid(): string {
    return uuidFromWords(this.nextU32(), this.nextU32(), this.nextU32(), this.nextU32());
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextU32() / 0x100000000;
  }

  /** Integer in [min, max], both included. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  uniform(min: number, max: number): number {
    return min + this.next() * (max - min);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }

  /** Exponential with the given mean. */
  exponential(mean: number): number {
    return -Math.log(1 - this.next()) * mean;
  }

  /** Standard normal (Box-Muller; one value per call keeps the stream simple to reason about). */
  normal(): number {
    const u = 1 - this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }

  /** Log-normal with the given median and log-space sigma. */
  logNormal(median: number, sigma: number): number {
    return median * Math.exp(sigma * this.normal());
  }

  /** Index in [0, n) following Zipf's law with exponent s (rank 0 most likely). */
  zipf(n: number, s: number): number {
    return zipfFromUnit(this.next(), n, s);
  }

  /** One of `weights.length` indices, with probability proportional to its weight. */
  weighted(cumulative: readonly number[]): number {
    const total = cumulative[cumulative.length - 1]!;
    const x = this.next() * total;
    let i = 0;
    while (cumulative[i]! <= x) i++;
    return i;
  }
}

/**
 * Inverse CDF of the continuous power law on [1, n+1), floored: O(1) Zipf sampling that is
 * accurate enough for popularity skew and needs no table.
 */
function zipfFromUnit(u: number, n: number, s: number): number {
  if (n <= 1) return 0;
  const k = s === 1 ? Math.exp(u * Math.log(n + 1)) : Math.pow(u * (zipfSpan(n, s) - 1) + 1, 1 / (1 - s));
  return Math.min(n - 1, Math.max(0, Math.floor(k) - 1));
}

/** (n+1)^(1-s), remembered per (n, s): a few hundred pairs, drawn from for every event. */
const spans = new Map<number, number>();
function zipfSpan(n: number, s: number): number {
  const key = n + s * 2 ** 40;
  let span = spans.get(key);
  if (span === undefined) spans.set(key, (span = Math.pow(n + 1, 1 - s)));
  return span;
}

export function cumulative(weights: readonly number[]): number[] {
  let sum = 0;
  return weights.map((w) => (sum += w));
}
