/**
 * `lakehouse ingest replay`: produces recorded events to the log through edge validation,
 * either as fast as possible (speed 0) or keeping the recorded gaps between event times
 * divided by `speed`. Invalid items go to the DLQ with their reason; skipped ones are counted.
 */
import type { LogProducer } from "../../core/eventlog/port.ts";
import type { Progress } from "../../core/progress.ts";
import { sleep } from "../../core/retry.ts";
import { dlqRecord, EdgePublisher } from "../edge.ts";
import type { ReplayItem } from "./item.ts";

export interface ReplayResult {
  accepted: number;
  rejected: number;
  skipped: number;
}

export async function replay(
  items: AsyncIterable<ReplayItem> | Iterable<ReplayItem>,
  producer: LogProducer,
  options: {
    speed: number;
    progress?: Progress;
    signal?: AbortSignal;
    now?: () => number;
    sleep?: typeof sleep;
  },
): Promise<ReplayResult> {
  const edge = new EdgePublisher(producer);
  const now = options.now ?? Date.now;
  const wait = options.sleep ?? sleep;
  let invalid = 0;
  let skipped = 0;
  let origin: { event: number; wall: number } | undefined;
  for await (const item of items) {
    if (options.signal?.aborted) break;
    if (item.kind === "skipped") {
      skipped++;
      continue;
    }
    if (item.kind === "invalid") {
      invalid++;
      options.progress?.error();
      if (!producer.enqueue(dlqRecord(item.topic, item.raw, item.reason))) await producer.waitForRoom();
      continue;
    }
    if (options.speed > 0 && item.at !== undefined) {
      origin ??= { event: item.at, wall: now() };
      const due = origin.wall + (item.at - origin.event) / options.speed;
      const ahead = due - now();
      if (ahead > 4) await wait(ahead, options.signal).catch(() => {});
    }
    const { result, room } = edge.offer(item.topic, item.value, item.raw);
    if (!result.ok) options.progress?.error();
    options.progress?.add();
    if (!room) await edge.waitForRoom();
  }
  await edge.flush();
  return { accepted: edge.accepted, rejected: edge.rejected + invalid, skipped };
}
