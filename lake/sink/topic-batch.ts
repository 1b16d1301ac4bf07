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

export interface PartitionSpan {
  first: number;
  last: number;
  count: number;
}

const NEWLINE = 0x0a;
const RETURN = 0x0d;
const CLOSE = Buffer.from("}\n");

export class TopicBatch {
  readonly lines: Buffer[] = [];
  /** The record behind each line, in line order (three buffers per line in `lines`). */
  readonly lineRecords: SinkRecord[] = [];
  /** Records DuckDB cannot take as a line (no value, or line breaks inside): handled in JS. */
  readonly special: SinkRecord[] = [];
  readonly spans = new Map<number, PartitionSpan>();
  rows = 0;
  bytes = 0;
  /** Wall-clock time the oldest record arrived, for the maximum delay; 0 when empty. */
  openedAt = 0;

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
    const head = Buffer.from(
      `{"p":${record.partition},"o":${record.offset},"t":${record.timestamp},"n":${value.length},"v":`,
    );
    this.lines.push(head, value, CLOSE);
    this.lineRecords.push(record);
    this.bytes += head.length + value.length + CLOSE.length;
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
