import { describe, expect, it } from "vitest";
import { Batcher } from "./batcher.ts";
import type { LogRecord } from "../../../core/eventlog/port.ts";

/** A LogProducer whose acknowledgements the test releases by hand. */
class ManualLog {
  readonly written: LogRecord[][] = [];
  private pending: { resolve: () => void; reject: (e: unknown) => void }[] = [];
  send(records: readonly LogRecord[]): Promise<void> {
    this.written.push([...records]);
    return new Promise((resolve, reject) => this.pending.push({ resolve, reject }));
  }
  ackAll(): void {
    for (const p of this.pending.splice(0)) p.resolve();
  }
  failNext(err: Error): void {
    this.pending.shift()?.reject(err);
  }
  get waiting(): number {
    return this.pending.length;
  }
  async close(): Promise<void> {}
}

const rec = (i: number): LogRecord => ({ topic: "t", key: `k${i}`, value: Buffer.from(`v${i}`) });
const tick = () => new Promise((r) => setTimeout(r, 0));

describe("Batcher", () => {
  it("cuts batches by record count and applies back-pressure at maxInFlight", async () => {
    const log = new ManualLog();
    const acked: number[] = [];
    const batcher = new Batcher(log, { maxBatchRecords: 2, maxInFlight: 2, onAck: (n) => acked.push(n) });
    expect(batcher.push(rec(1))).toBe(true);
    expect(batcher.push(rec(2))).toBe(true); // batch 1 in flight
    expect(batcher.push(rec(3))).toBe(true);
    expect(batcher.push(rec(4))).toBe(false); // batch 2 in flight: the limit
    expect(log.written.map((b) => b.length)).toEqual([2, 2]);
    let roomed = false;
    const room = batcher.waitForRoom().then(() => (roomed = true));
    await tick();
    expect(roomed).toBe(false);
    log.ackAll();
    await room;
    expect(acked).toEqual([2, 2]);
  });

  it("flushes a partial batch after the linger time and on flush()", async () => {
    const log = new ManualLog();
    const batcher = new Batcher(log, { maxBatchRecords: 100, lingerMs: 5 });
    batcher.push(rec(1));
    expect(log.written).toHaveLength(0);
    await new Promise((r) => setTimeout(r, 20));
    expect(log.written).toHaveLength(1);
    batcher.push(rec(2));
    const flushed = batcher.flush();
    expect(log.written).toHaveLength(2);
    log.ackAll();
    await flushed;
  });

  it("send() resolves only when every one of its records is acknowledged", async () => {
    const log = new ManualLog();
    const batcher = new Batcher(log, { maxBatchRecords: 2, lingerMs: 1 });
    let done = false;
    const sent = batcher.send([rec(1), rec(2), rec(3)]).then(() => (done = true));
    await new Promise((r) => setTimeout(r, 10));
    expect(log.written.map((b) => b.length)).toEqual([2, 1]);
    log.ackAll();
    await sent;
    expect(done).toBe(true);
  });

  it("reports a failed write to the next caller instead of losing it", async () => {
    const log = new ManualLog();
    const batcher = new Batcher(log, { maxBatchRecords: 1 });
    const sent = batcher.send([rec(1)]);
    log.failNext(new Error("broker gone"));
    await expect(sent).rejects.toThrow("broker gone");
    expect(() => batcher.push(rec(2))).toThrow("broker gone");
    await expect(batcher.flush()).rejects.toThrow("broker gone");
    expect(log.waiting).toBe(0);
  });
});
