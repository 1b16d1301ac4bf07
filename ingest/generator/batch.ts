/**
 * Events serialised into one buffer, so a batch crosses from the generator's worker thread to
 * the producing thread as a single transfer (no copy, no per-event message).
 */
import { ALL_TOPICS, type Topic } from "../../core/events/topics.ts";
import type { LogRecord } from "../../core/eventlog/port.ts";

export interface EncodedBatch {
  bytes: ArrayBuffer;
  /** Per record: index into ALL_TOPICS. */
  topics: Uint8Array;
  /** Per record: end offset of its value in `bytes` (start = previous end). */
  ends: Uint32Array;
  keys: string[];
  /** Planted-anomaly ground truth for transactions in this batch (labels.ndjson lines). */
  labels: string[];
  count: number;
}

const encoder = new TextEncoder();

export class BatchEncoder {
  private buffer = new Uint8Array(1 << 20);
  private used = 0;
  private topics: number[] = [];
  private ends: number[] = [];
  private keys: string[] = [];
  private labels: string[] = [];

  get count(): number {
    return this.keys.length;
  }

  add(topic: Topic, key: string, value: string): void {
    // Worst case 3 bytes per UTF-16 unit; grow before encoding.
    const need = this.used + value.length * 3;
    if (need > this.buffer.length) {
      const bigger = new Uint8Array(Math.max(need, this.buffer.length * 2));
      bigger.set(this.buffer.subarray(0, this.used));
      this.buffer = bigger;
    }
    this.used += encoder.encodeInto(value, this.buffer.subarray(this.used)).written;
    this.topics.push(ALL_TOPICS.indexOf(topic));
    this.ends.push(this.used);
    this.keys.push(key);
  }

  label(line: string): void {
    this.labels.push(line);
  }

  /** Hands the batch over and starts a new one. */
  take(): EncodedBatch {
    const batch: EncodedBatch = {
      bytes: this.buffer.slice(0, this.used).buffer,
      topics: Uint8Array.from(this.topics),
      ends: Uint32Array.from(this.ends),
      keys: this.keys,
      labels: this.labels,
      count: this.keys.length,
    };
    this.used = 0;
    this.topics = [];
    this.ends = [];
    this.keys = [];
    this.labels = [];
    return batch;
  }
}

/** The records of a batch, each value a view into the batch's buffer. */
export function* decodeBatch(batch: EncodedBatch): Generator<LogRecord> {
  const bytes = Buffer.from(batch.bytes);
  let start = 0;
  for (let i = 0; i < batch.count; i++) {
    const end = batch.ends[i]!;
    yield { topic: ALL_TOPICS[batch.topics[i]!]!, key: batch.keys[i]!, value: bytes.subarray(start, end) };
    start = end;
  }
}
