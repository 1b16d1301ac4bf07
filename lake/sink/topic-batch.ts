/**
 * The records of one topic waiting to be written, kept as the NDJSON lines DuckDB will read:
 * `{"p":partition,"o":offset,"t":kafkaMs,"n":valueBytes,"v":<value bytes>}`. The value is copied
 * in as it came, never parsed here: parsing and typing happen in DuckDB (bronze-writer.ts). `n`
 * lets the writer prove DuckDB read exactly the value that was sent (a value with trailing junk
 * such as `{"a":1},"x":2` would otherwise read as `{"a":1}`).
 */
export interface SinkRecord {
  partition: number;
  offset: number;
  /** Kafka's record timestamp, ms. */
  timestamp: number;
  value: Buffer | null;
}

/** A record's place in its topic, as one string: how the writer matches typed rows to lines. */
export const positionKey = (partition: number, offset: number): string => `${partition}/${offset}`;

export interface PartitionSpan {
  first: number;
  last: number;
  count: number;
}

const NEWLINE = 0x0a;
const RETURN = 0x0d;
/** Lines are copied into chunks of this size: a few large writes instead of three buffers a record. */
const CHUNK_BYTES = 4 * 1024 * 1024;

export class TopicBatch {
  /** Filled chunks of the NDJSON text; the last one is cut to size when `lines` is read. */
  private readonly chunks: Buffer[] = [];
  /**
   * Where each line's record came from and where its value sits in the text, in line order.
   * Plain numbers, not a record object per line: a batch holds up to a million lines, and a
   * retained object and Buffer each kept the garbage collector busy (measured: four helper
   * threads at half a core between them during a catch-up).
   */
  private readonly linePartition: number[] = [];
  private readonly lineOffset: number[] = [];
  private readonly lineTimestamp: number[] = [];
  private readonly lineChunk: number[] = [];
  private readonly lineValueAt: number[] = [];
  private readonly lineValueBytes: number[] = [];
  /** Records DuckDB cannot take as a line (no value, or line breaks inside): handled in JS. */
  readonly special: SinkRecord[] = [];
  readonly spans = new Map<number, PartitionSpan>();
  rows = 0;
  bytes = 0;
  /** Wall-clock time the oldest record arrived, for the maximum delay; 0 when empty. */
  openedAt = 0;
  private chunk = Buffer.allocUnsafe(0);
  private used = 0;

  constructor(readonly topic: string) {}

  add(record: SinkRecord, now: number): void {
    if (this.rows === 0) this.openedAt = now;
    this.rows++;
    const span = this.spans.get(record.partition);
    if (span) {
      span.last = record.offset;
      span.count++;
    } else {
      this.spans.set(record.partition, { first: record.offset, last: record.offset, count: 1 });
    }
    const value = record.value;
    if (value === null || value.length === 0 || value.includes(NEWLINE) || value.includes(RETURN)) {
      this.special.push(record);
      this.bytes += value?.length ?? 0;
      return;
    }
    const head = `{"p":${record.partition},"o":${record.offset},"t":${record.timestamp},"n":${value.length},"v":`;
    const size = head.length + value.length + 2;
    if (this.used + size > this.chunk.length) this.nextChunk(size);
    this.used += this.chunk.write(head, this.used, "latin1");
    this.linePartition.push(record.partition);
    this.lineOffset.push(record.offset);
    this.lineTimestamp.push(record.timestamp);
    this.lineChunk.push(this.chunks.length - 1);
    this.lineValueAt.push(this.used);
    this.lineValueBytes.push(value.length);
    this.used += value.copy(this.chunk, this.used);
    this.chunk[this.used++] = 0x7d; // }
    this.chunk[this.used++] = NEWLINE;
    this.bytes += size;
  }

  private nextChunk(atLeast: number): void {
    this.cutLast();
    this.chunk = Buffer.allocUnsafe(Math.max(CHUNK_BYTES, atLeast));
    this.used = 0;
    this.chunks.push(this.chunk);
  }

  private cutLast(): void {
    if (this.chunks.length > 0) this.chunks[this.chunks.length - 1] = this.chunk.subarray(0, this.used);
  }

  /** The NDJSON text, in chunks, each cut to its filled part. */
  get lines(): readonly Buffer[] {
    this.cutLast();
    return this.chunks;
  }

  /** Records written as lines (the rest are in `special`). */
  get lineCount(): number {
    return this.lineOffset.length;
  }

  lineKey(i: number): string {
    return positionKey(this.linePartition[i]!, this.lineOffset[i]!);
  }

  /** The record behind line `i`; its value is a view of the batch's text. */
  lineRecord(i: number): SinkRecord {
    const chunk = this.chunks[this.lineChunk[i]!]!;
    const at = this.lineValueAt[i]!;
    return {
      partition: this.linePartition[i]!,
      offset: this.lineOffset[i]!,
      timestamp: this.lineTimestamp[i]!,
      value: chunk.subarray(at, at + this.lineValueBytes[i]!),
    };
  }

  get empty(): boolean {
    return this.rows === 0;
  }
}

export interface RotationPolicy {
  /** Flush when this many records are buffered for a topic. */
  maxRows: number;
  /** Flush when the buffered lines reach this many bytes. */
  maxBytes: number;
  /** Flush when the oldest buffered record has waited this long (a quiet partition's data still lands). */
  maxDelayMs: number;
}

export const DEFAULT_ROTATION: RotationPolicy = {
  maxRows: 1_000_000,
  maxBytes: 256 * 1024 * 1024,
  maxDelayMs: 60_000,
};

/** Why a batch must be written now, or undefined to keep filling it. */
export function rotationDue(batch: TopicBatch, policy: RotationPolicy, now: number): string | undefined {
  if (batch.empty) return undefined;
  if (batch.rows >= policy.maxRows) return "rows";
  if (batch.bytes >= policy.maxBytes) return "bytes";
  if (now - batch.openedAt >= policy.maxDelayMs) return "max-delay";
  return undefined;
}
