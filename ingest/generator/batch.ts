/**
 * Events serialised into one buffer, so a batch crosses from a simulation thread to the
 * producing thread as a single transfer (no copy, no per-event message). Each record carries
 * its event time, by which the producing thread merges the shards' batches (backfill.ts).
 */
import { keyHash } from "../../core/eventlog/partitioner.ts";
import { ALL_TOPICS, type Topic } from "../../core/events/topics.ts";

export interface EncodedBatch {
  bytes: ArrayBuffer;
  /** Per record: index into ALL_TOPICS. */
  topics: Uint8Array;
  /** Per record: end offset of its value in `bytes` (start = previous end). */
  ends: Uint32Array;
  /** Per record: event time, ms. */
  ats: Float64Array;
  keys: string[];
  /** Per record: keyHash of its key, computed here rather than on the producing thread. */
  hashes: Int32Array;
  /** Planted-anomaly ground truth (labels.ndjson lines), and the record each belongs to. */
  labels: string[];
  labelled: Uint32Array;
  count: number;
}

export class BatchEncoder {
  private buffer = Buffer.allocUnsafe(1 << 20);
  private used = 0;
  private topics: number[] = [];
  private ends: number[] = [];
  private ats: number[] = [];
  private keys: string[] = [];
  private hashes: number[] = [];
  private labels: string[] = [];
  private labelled: number[] = [];

  get count(): number {
    return this.keys.length;
  }

  add(topic: Topic, key: string, value: string, at: number): void {
    // Worst case 3 bytes per UTF-16 unit; grow before encoding.
    const need = this.used + value.length * 3;
    if (need > this.buffer.length) {
      const bigger = Buffer.allocUnsafe(Math.max(need, this.buffer.length * 2));
      this.buffer.copy(bigger, 0, 0, this.used);
      this.buffer = bigger;
    }
    // Buffer#write encodes at an offset; encodeInto would need a new subarray view per record.
    this.used += this.buffer.write(value, this.used);
    this.topics.push(ALL_TOPICS.indexOf(topic));
    this.ends.push(this.used);
    this.ats.push(at);
    this.keys.push(key);
    this.hashes.push(keyHash(key));
  }

  /** Labels the record added last. */
  label(line: string): void {
    this.labels.push(line);
    this.labelled.push(this.keys.length - 1);
  }

  /** Hands the batch over and starts a new one. */
  take(): EncodedBatch {
    const batch: EncodedBatch = {
      bytes: new Uint8Array(this.buffer.subarray(0, this.used)).buffer,
      topics: Uint8Array.from(this.topics),
      ends: Uint32Array.from(this.ends),
      ats: Float64Array.from(this.ats),
      keys: this.keys,
      hashes: Int32Array.from(this.hashes),
      labels: this.labels,
      labelled: Uint32Array.from(this.labelled),
      count: this.keys.length,
    };
    this.used = 0;
    this.topics = [];
    this.ends = [];
    this.ats = [];
    this.keys = [];
    this.hashes = [];
    this.labels = [];
    this.labelled = [];
    return batch;
  }
}

/** A position in a batch, read record by record. */
export class BatchCursor {
  readonly bytes: Buffer;
  index = 0;
  private start = 0;
  private nextLabel = 0;

  constructor(readonly batch: EncodedBatch) {
    this.bytes = Buffer.from(batch.bytes);
  }

  get done(): boolean {
    return this.index >= this.batch.count;
  }

  /** Event time of the current record. */
  get at(): number {
    return this.batch.ats[this.index]!;
  }

  get topic(): Topic {
    return ALL_TOPICS[this.batch.topics[this.index]!]!;
  }

  get key(): string {
    return this.batch.keys[this.index]!;
  }

  get keyHash(): number {
    return this.batch.hashes[this.index]!;
  }

  /** The current record's value, a view into the batch's buffer. */
  value(): Buffer {
    return this.bytes.subarray(this.start, this.batch.ends[this.index]);
  }

  /** The current record's label line, if it has one. */
  label(): string | undefined {
    const { labelled, labels } = this.batch;
    return this.nextLabel < labelled.length && labelled[this.nextLabel] === this.index
      ? labels[this.nextLabel++]
      : undefined;
  }

  advance(): void {
    this.start = this.batch.ends[this.index]!;
    this.index++;
  }
}
