/**
 * Batching with bounded memory in front of a client that does not batch by itself (kafkajs,
 * @platformatic/kafka), so bench/ingest/kafka-clients.ts compares them fairly with librdkafka,
 * which batches natively. Records collect into batches (by
 * count, bytes or a short linger); up to `maxInFlight` batches are being written at once.
 * When that many are in flight and the next batch is full, `push` returns false and the
 * caller awaits `waitForRoom()`: back-pressure instead of an unbounded queue, as with Node
 * streams' write()/'drain'. `send` returns a promise of the acknowledgement of its records,
 * for callers (the HTTP collector) that must answer only after the log has them.
 */
import type { LogRecord } from "../../../core/eventlog/port.ts";

/** The part of a producer the batcher drives: one acknowledged write of many records. */
export interface BatchSink {
  send(records: readonly LogRecord[]): Promise<void>;
}

/** A client under test: acknowledged writes, and a way to let go. */
export interface BenchProducer extends BatchSink {
  close(): Promise<void>;
}

export interface BatcherOptions {
  maxBatchRecords?: number;
  maxBatchBytes?: number;
  maxInFlight?: number;
  /** How long a non-full batch may wait for more records. */
  lingerMs?: number;
  /** Called after each batch is acknowledged (progress, metrics). */
  onAck?: (records: number, bytes: number) => void;
}

interface Batch {
  records: LogRecord[];
  bytes: number;
  done: Promise<void>;
  resolve: () => void;
  reject: (err: unknown) => void;
}

function newBatch(): Batch {
  let resolve!: () => void;
  let reject!: (err: unknown) => void;
  const done = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // A batch nobody awaits (fire-and-forget push) must not crash the process on failure:
  // the failure is kept in `failure` and rethrown to the next caller instead.
  done.catch(() => {});
  return { records: [], bytes: 0, done, resolve, reject };
}

export class Batcher {
  private current = newBatch();
  private readonly inFlight = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private failure: Error | undefined;
  private readonly maxRecords: number;
  private readonly maxBytes: number;
  private readonly maxInFlight: number;
  private readonly lingerMs: number;

  constructor(
    private readonly producer: BatchSink,
    private readonly options: BatcherOptions = {},
  ) {
    this.maxRecords = options.maxBatchRecords ?? 5000;
    this.maxBytes = options.maxBatchBytes ?? 4 * 1024 * 1024;
    this.maxInFlight = options.maxInFlight ?? 4;
    this.lingerMs = options.lingerMs ?? 5;
  }

  /** Adds one record. False means: stop and await waitForRoom() before pushing more. */
  push(record: LogRecord): boolean {
    this.throwIfFailed();
    const batch = this.current;
    batch.records.push(record);
    batch.bytes += record.value.length + record.key.length;
    if (batch.records.length >= this.maxRecords || batch.bytes >= this.maxBytes) this.dispatch();
    else this.timer ??= setTimeout(() => this.dispatch(), this.lingerMs);
    return this.inFlight.size < this.maxInFlight;
  }

  /** Adds records and resolves when the log has acknowledged all of them. */
  async send(records: readonly LogRecord[]): Promise<void> {
    const batches = new Set<Promise<void>>();
    for (const record of records) {
      batches.add(this.current.done);
      if (!this.push(record)) await this.waitForRoom();
    }
    await Promise.all(batches);
  }

  /** Resolves when fewer than maxInFlight batches are being written. */
  async waitForRoom(): Promise<void> {
    while (this.inFlight.size >= this.maxInFlight) await Promise.race(this.inFlight);
    this.throwIfFailed();
  }

  /** Writes what is buffered and waits for every outstanding acknowledgement. */
  async flush(): Promise<void> {
    this.dispatch();
    while (this.inFlight.size > 0) await Promise.allSettled(this.inFlight);
    this.throwIfFailed();
  }

  private dispatch(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.current;
    if (batch.records.length === 0) return;
    this.current = newBatch();
    const write = this.producer.send(batch.records).then(
      () => {
        this.options.onAck?.(batch.records.length, batch.bytes);
        batch.resolve();
      },
      (err: unknown) => {
        this.failure ??= err instanceof Error ? err : new Error(String(err));
        batch.reject(err);
      },
    );
    this.inFlight.add(write);
    void write.finally(() => this.inFlight.delete(write));
  }

  private throwIfFailed(): void {
    if (this.failure !== undefined) throw this.failure;
  }
}
