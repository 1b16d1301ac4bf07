/**
 * The sink's write-ahead intents after a failed commit, on the in-process log and a local lake:
 * a flush whose commit failed (an error, a fenced member, a partition already gone) leaves
 * uploaded files named only by its partition's intent, so no later flush of that topic may
 * start (its intent would replace the failed one's and orphan its files, which the next run then
 * writes again under other boundaries: records twice in bronze; the chaos run found 66).
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { MemoryLog } from "../../core/eventlog/memory-log.ts";
import type { LogConsumer } from "../../core/eventlog/port.ts";
import { FencedError, LakehouseError } from "../../core/errors.ts";
import { ALL_TOPICS } from "../../core/events/topics.ts";
import { createLogger } from "../../core/logger.ts";
import { parseBronzeKey } from "../layout.ts";
import { FileStore } from "../store/file-store.ts";
import { BronzeWriter } from "./bronze-writer.ts";
import { LakeSink } from "./sink.ts";

const logger = createLogger({ level: "silent" });
const user = "5d0f6a52-1f0e-4c8b-9d8e-6a7b8c9d0000";
const refund = (i: number) => ({
  topic: "refunds",
  key: user,
  value: Buffer.from(
    JSON.stringify({
      refund_id: `0b3f4c52-1f0e-4c8b-9d8e-6a7b8c9d${String(i).padStart(4, "0")}`,
      transaction_id: "1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f",
      user_id: user,
      timestamp: "2026-11-01T10:00:00.000Z",
      amount: 10,
      reason: "damaged",
    }),
  ),
});

async function runSink(
  log: MemoryLog,
  store: FileStore,
  maxRows: number,
  wrap: (c: LogConsumer) => LogConsumer,
) {
  const sink = new LakeSink({
    group: "g",
    store,
    writer: await BronzeWriter.open(mkdtempSync(join(tmpdir(), "sink-unit-"))),
    rotation: { maxRows, maxBytes: 1 << 30, maxDelayMs: 60_000 },
    logger,
  });
  const consumer = wrap(await log.join("g", [...ALL_TOPICS], sink.handlers));
  const stop = new AbortController();
  return { sink, stop, done: sink.run(consumer, stop.signal).finally(() => consumer.close()) };
}

describe("the lake sink after a failed commit", () => {
  it("starts no further flush of the topic, so a restart leaves every record once", async () => {
    const { log, store } = tenRefunds();
    // Commits hang until the second batch is in, then every one fails for good.
    const refused = () => new LakehouseError("INTERNAL", "commit refused for the test");
    const pending: ((err: Error) => void)[] = [];
    let failed = false;
    const failCommit = () => {
      failed = true;
      for (const reject of pending.splice(0)) reject(refused());
    };
    let commits = 0;
    const failing = (c: LogConsumer): LogConsumer =>
      Object.assign(c, {
        commit: () =>
          new Promise<void>((_, reject) => {
            commits++;
            if (failed) reject(refused());
            else pending.push(reject);
          }),
      });
    const first = await runSink(log, store, 10, failing);
    while ((await store.list("bronze/")).length === 0) await new Promise((r) => setTimeout(r, 20));
    for (let i = 10; i < 20; i++) log.enqueue(refund(i));
    await new Promise((r) => setTimeout(r, 500));
    failCommit();
    await expect(first.done).rejects.toThrow(/commit refused/);
    // The second batch of the topic waited for the first and was then not written.
    expect(commits).toBe(1);

    // The next run, with other batch boundaries, cleans up and writes everything once.
    await expectEachRecordOnce(log, store, 20);
  }, 60_000);

  it("fails on a fenced commit instead of flushing on over the batch it could not commit", async () => {
    const { log, store } = tenRefunds();
    // The first commit is refused as fenced (a static member replaced during a broker restart)
    // once the second batch is in; the worker itself keeps running.
    let release: (() => void) | undefined;
    let commits = 0;
    const fenced = (c: LogConsumer): LogConsumer =>
      Object.assign(c, {
        commit: () => {
          commits++;
          return new Promise<void>((_, reject) => {
            release = () => reject(new FencedError("commit refused: fenced for the test"));
          });
        },
      });
    const first = await runSink(log, store, 10, fenced);
    while (release === undefined) await new Promise((r) => setTimeout(r, 20));
    for (let i = 10; i < 20; i++) log.enqueue(refund(i));
    await new Promise((r) => setTimeout(r, 500));
    release();
    await expect(first.done).rejects.toThrow(/fenced for the test/);
    expect(commits).toBe(1);
    await expectEachRecordOnce(log, store, 20);
  }, 60_000);

  it("fails when a partition moved away before its batch was committed", async () => {
    const { log, store } = tenRefunds();
    // The group took every partition away without a revocation reaching the sink (a session
    // that timed out): nothing is owned when the first batch comes to commit.
    let commits = 0;
    const lost = (c: LogConsumer): LogConsumer =>
      Object.assign(c, {
        owned: () => [],
        commit: () => {
          commits++;
          return Promise.resolve();
        },
      });
    const first = await runSink(log, store, 10, lost);
    await expect(first.done).rejects.toThrow(/refunds partitions \d+ moved to another worker/);
    expect(commits).toBe(0);
    await expectEachRecordOnce(log, store, 10);
  }, 60_000);
});

/** The in-process log holding ten refunds, and an empty local lake. */
function tenRefunds() {
  const log = new MemoryLog();
  for (const t of ALL_TOPICS) log.createTopic(t);
  for (let i = 0; i < 10; i++) log.enqueue(refund(i));
  return { log, store: new FileStore(mkdtempSync(join(tmpdir(), "sink-lake-"))) };
}

/** A second run, with other batch boundaries, must clean up and leave each record once. */
async function expectEachRecordOnce(log: MemoryLog, store: FileStore, records: number) {
  const second = await runSink(log, store, 7, (c) => c);
  while (second.sink.stats.consumed < records) await new Promise((r) => setTimeout(r, 20));
  second.stop.abort();
  await second.done;
  const ranges = (await store.list("bronze/refunds/"))
    .map((o) => parseBronzeKey(o.key)!)
    .map((b) => [b.first, b.last] as const)
    .sort((a, b) => a[0] - b[0]);
  const covered = ranges.reduce((n, [a, b]) => n + b - a + 1, 0);
  expect(covered, `files ${JSON.stringify(ranges)}`).toBe(records);
  for (let i = 1; i < ranges.length; i++) expect(ranges[i]![0]).toBeGreaterThan(ranges[i - 1]![1]);
}
