/**
 * The partition of a key: Kafka's Java client default (murmur2 of the key bytes, sign bit
 * masked, modulo the partition count). Every producer of ours and the in-process log use this
 * function, so a user's events sit in the same partition number on every topic whichever
 * client wrote them (co-partitioning, SPEC section 3), and so do records written by Java tools.
 */
const SEED = 0x9747b28c;
const M = 0x5bd1e995;

/** Byte `i` of the key: of the array, or of an ASCII string's characters (the same bytes in UTF-8). */
type ByteAt = (i: number) => number;

function murmur2Of(length: number, byte: ByteAt): number {
  let h = SEED ^ length;
  const blocks = length >> 2;
  for (let i = 0; i < blocks; i++) {
    const o = i * 4;
    let k = byte(o) | (byte(o + 1) << 8) | (byte(o + 2) << 16) | (byte(o + 3) << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  const tail = blocks * 4;
  const rest = length & 3;
  if (rest === 3) h ^= byte(tail + 2) << 16;
  if (rest >= 2) h ^= byte(tail + 1) << 8;
  if (rest >= 1) {
    h ^= byte(tail);
    h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

export function murmur2(data: Uint8Array): number {
  return murmur2Of(data.length, (i) => data[i]!);
}

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
}

const encoder = new TextEncoder();

/**
 * The partition of `key`. An ASCII string (every id of ours) is hashed from its characters
 * without encoding it first: this runs for every produced record.
 */
export function partitionFor(key: string | Uint8Array, partitions: number): number {
  let hash: number;
  if (typeof key !== "string") hash = murmur2(key);
  else if (isAscii(key)) hash = murmur2Of(key.length, (i) => key.charCodeAt(i));
  else hash = murmur2(encoder.encode(key));
  return (hash & 0x7fffffff) % partitions;
}
