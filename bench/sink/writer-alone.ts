/**
 * The bronze writer alone (no Kafka): the same generated events, cut into batches as the sink
 * cuts them, through the sink's DuckDB writer into local Parquet. The sink's ceiling on this
 * box, for the writing half.
 */
import { mkdtempSync, statSync } from "node:fs";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { partitionFor } from "../../core/eventlog/partitioner.ts";
import { simulatorFor, type GenerateOptions } from "../../ingest/generate.ts";
import { DEFAULT_TOPIC_OPTIONS } from "../../ingest/topics.ts";
import { BronzeWriter } from "../../lake/sink/bronze-writer.ts";
import { TopicBatch, type SinkRecord } from "../../lake/sink/topic-batch.ts";

/** Partitions per topic, as `topics create` makes them. */
const PARTITIONS = DEFAULT_TOPIC_OPTIONS.partitions;

/** The workload's records per topic, with the partitions and offsets Kafka would give them. */
export function recordsByTopic(options: GenerateOptions): Map<string, SinkRecord[]> {
  const byTopic = new Map<string, SinkRecord[]>();
  const next = new Map<string, number>();
  for (const e of simulatorFor(options).events()) {
    const partition = partitionFor(e.key, PARTITIONS);
    const k = `${e.topic}/${partition}`;
    const offset = next.get(k) ?? 0;
    next.set(k, offset + 1);
    const list = byTopic.get(e.topic) ?? [];
    list.push({ partition, offset, timestamp: Date.now(), value: Buffer.from(JSON.stringify(e.value)) });
    byTopic.set(e.topic, list);
  }
  return byTopic;
}

export async function writerAlone(
  byTopic: ReadonlyMap<string, SinkRecord[]>,
  batchRows: number,
): Promise<{ events: number; seconds: number; files: number; bytes: number }> {
  const work = mkdtempSync(join(tmpdir(), "bench-writer-"));
  const writer = await BronzeWriter.open(work);
  let events = 0;
  let bytes = 0;
  let files = 0;
  const started = performance.now();
  try {
    for (const [topic, records] of byTopic) {
      for (let i = 0; i < records.length; i += batchRows) {
        const batch = new TopicBatch(topic);
        const now = Date.now();
        for (const r of records.slice(i, i + batchRows)) batch.add(r, now);
        const result = await writer.write(batch, now);
        bytes += result.files.reduce((n, f) => n + statSync(f.path).size, 0);
        files += result.files.length;
        events += batch.rows;
        await writer.discard(result);
      }
    }
    return { events, seconds: (performance.now() - started) / 1000, files, bytes };
  } finally {
    writer.close();
    await rm(work, { recursive: true, force: true });
  }
}
