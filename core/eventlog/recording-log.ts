/**
 * A LogProducer that keeps what it is given, for unit tests of code written against the port.
 * `hold()` makes sends wait until `release()`, to test timeouts; `clock` stamps each record.
 */
import type { LogProducer, LogRecord } from "./port.ts";

export class RecordingLog implements LogProducer {
  readonly records: (LogRecord & { at: number })[] = [];
  private held: (() => void)[] | undefined;

  constructor(private readonly clock = { now: 0 }) {}

  async send(records: readonly LogRecord[]): Promise<void> {
    if (this.held) await new Promise<void>((resolve) => this.held!.push(resolve));
    for (const r of records) this.enqueue(r);
  }

  enqueue(record: LogRecord): boolean {
    this.records.push({ ...record, at: this.clock.now });
    return true;
  }

  hold(): void {
    this.held = [];
  }

  release(): void {
    for (const resolve of this.held ?? []) resolve();
    this.held = undefined;
  }

  ofTopic(topic: string): unknown[] {
    return this.records
      .filter((r) => r.topic === topic)
      .map((r) => JSON.parse(r.value.toString()) as unknown);
  }

  async waitForRoom(): Promise<void> {}
  async flush(): Promise<void> {}
  async close(): Promise<void> {}
}
