/**
 * Writes an events.ndjson file (SPEC section 7) into a lake as the sink would: partition by
 * the key's murmur2 hash, sequential offsets per partition, one bronze file per partition and
 * event hour (the sink's own writer), no Kafka needed. For the batch stage's tests.
 */
import { createReadStream, mkdtempSync } from "node:fs";
import { createInterface } from "node:readline";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { partitionFor } from "../../core/eventlog/partitioner.ts";
import { EVENT_TOPICS } from "../../core/events/topics.ts";
import { BronzeWriter } from "../../lake/sink/bronze-writer.ts";
import { TopicBatch } from "../../lake/sink/topic-batch.ts";
import type { ObjectStore } from "../../lake/store/port.ts";

export async function seedLake(
  store: ObjectStore,
  eventsFile: string,
  partitions = 6,
  /** First offset of every partition: a second file seeded later must not reuse offsets. */
  firstOffset = 0,
): Promise<number> {
  const batches = new Map<string, TopicBatch>(EVENT_TOPICS.map((t) => [t, new TopicBatch(t)]));
  const offsets = new Map<string, number>();
  const now = Date.parse("2026-11-21T00:00:00Z");
  let count = 0;
  // Line by line: a week at full scale is more than one string can hold.
  for await (const line of createInterface({ input: createReadStream(eventsFile) })) {
    if (!line) continue;
    const e = JSON.parse(line) as { topic: string; key: string; value: unknown };
    const batch = batches.get(e.topic);
    if (!batch) continue;
    const partition = partitionFor(e.key, partitions);
    const k = `${e.topic}/${partition}`;
    const offset = offsets.get(k) ?? firstOffset;
    offsets.set(k, offset + 1);
    batch.add({ partition, offset, timestamp: now, value: Buffer.from(JSON.stringify(e.value)) }, now);
    count++;
  }
  const writer = await BronzeWriter.open(mkdtempSync(join(tmpdir(), "seed-lake-")));
  try {
    for (const batch of batches.values()) {
      if (batch.rows === 0) continue;
      const result = await writer.write(batch, now);
      for (const f of result.files) await store.putFile(f.key, f.path);
      await writer.discard(result);
    }
  } finally {
    writer.close();
  }
  return count;
}
