/**
 * The partition of a key: Kafka's Java client default (murmur2 of the key bytes, sign bit
 * masked, modulo the partition count). Every producer of ours and the in-process log use this
 * function, so a user's events sit in the same partition number on every topic whichever
 * client wrote them (co-partitioning, SPEC section 3), and so do records written by Java tools.
 */
const SEED = 0x9747b28c;
const M = 0x5bd1e995;

/** murmur2 of the first `length` bytes of `data`. */
export function murmur2(data: Uint8Array, length = data.length): number {
  let h = SEED ^ length;
  const blocks = length >> 2;
  for (let i = 0; i < blocks; i++) {
    const o = i * 4;
    let k = data[o]! | (data[o + 1]! << 8) | (data[o + 2]! << 16) | (data[o + 3]! << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  const tail = blocks * 4;
  const rest = length & 3;
  if (rest === 3) h ^= data[tail + 2]! << 16;
  if (rest >= 2) h ^= data[tail + 1]! << 8;
  if (rest >= 1) {
    h ^= data[tail]!;
    h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

const encoder = new TextEncoder();
/** A string key's UTF-8, encoded in place: this runs for every produced record. */
let scratch = new Uint8Array(256);

/** The key's murmur2 with the sign bit masked: its partition is this modulo the partition count. */
export function keyHash(key: string | Uint8Array): number {
  let hash: number;
  if (typeof key !== "string") hash = murmur2(key);
  else {
    if (key.length * 3 > scratch.length) scratch = new Uint8Array(key.length * 3);
    hash = murmur2(scratch, encoder.encodeInto(key, scratch).written);
  }
  return hash & 0x7fffffff;
}

export function partitionFor(key: string | Uint8Array, partitions: number): number {
  return keyHash(key) % partitions;
}

/** A record's partition: from the hash it carries when its writer computed one (port.ts). */
export function partitionOf(record: { key: string; keyHash?: number }, partitions: number): number {
  return (record.keyHash ?? keyHash(record.key)) % partitions;
}
