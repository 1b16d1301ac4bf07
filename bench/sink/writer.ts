/**
 * Parquet writers compared on the same records (docs/decisions.md D14): our DuckDB bronze
 * writer against @dsnp/parquetjs, both from raw Kafka values to local zstd/snappy files.
 *
 *   node bin/run-ts.mjs bench/sink/writer.ts [--days 3] [--per-day 100000] [--batch 1000000] [--parquetjs-rows 300000]
 */
import { mkdtempSync, readdirSync, statSync } from "node:fs";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import parquet from "@dsnp/parquetjs";
import { partitionFor } from "../../core/eventlog/partitioner.ts";
import { simulatorFor } from "../../ingest/generate.ts";
import { BronzeWriter } from "../../lake/sink/bronze-writer.ts";
import { TopicBatch, type SinkRecord } from "../../lake/sink/topic-batch.ts";
import { hourPartition } from "../../lake/layout.ts";
import { peakRssMb } from "../measure.ts";
import { backfillWorkload } from "../ingest/workload.ts";

const { values, options } = backfillWorkload({
  batch: { type: "string", default: "1000000" },
  "parquetjs-rows": { type: "string", default: "300000" },
});
const PARTITIONS = 6;
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
const total = [...byTopic.values()].reduce((n, l) => n + l.length, 0);

function sizeOf(dir: string): number {
  let bytes = 0;
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true }))
    if (entry.isFile() && entry.name.endsWith(".parquet"))
      bytes += statSync(join(entry.parentPath, entry.name)).size;
  return bytes;
}

// DuckDB writer, batches as the sink cuts them.
const work = mkdtempSync(join(tmpdir(), "bench-writer-"));
const writer = await BronzeWriter.open(work);
const batchRows = Number(values.batch);
let parquetBytes = 0;
let files = 0;
const t0 = performance.now();
for (const [topic, records] of byTopic) {
  for (let i = 0; i < records.length; i += batchRows) {
    const batch = new TopicBatch(topic);
    const now = Date.now();
    for (const r of records.slice(i, i + batchRows)) batch.add(r, now);
    const result = await writer.write(batch, now);
    parquetBytes += result.files.reduce((n, f) => n + statSync(f.path).size, 0);
    files += result.files.length;
    await writer.discard(result);
  }
}
const duck = (performance.now() - t0) / 1000;
writer.close();
console.log(
  `duckdb writer: ${total} events in ${duck.toFixed(2)} s = ${Math.round(total / duck).toLocaleString("en")} events/s, ` +
    `${files} files, ${(parquetBytes / total).toFixed(1)} bytes/event (zstd), peak RSS ${peakRssMb()} MB`,
);

// @dsnp/parquetjs on product views: JSON.parse per record, one file per partition and hour.
const views = (byTopic.get("product_views") ?? []).slice(0, Number(values["parquetjs-rows"]));
const schema = new parquet.ParquetSchema({
  event_id: { type: "UTF8", compression: "SNAPPY" },
  user_id: { type: "UTF8", compression: "SNAPPY" },
  product_id: { type: "UTF8", compression: "SNAPPY" },
  session_id: { type: "UTF8", compression: "SNAPPY" },
  timestamp: { type: "TIMESTAMP_MILLIS", compression: "SNAPPY" },
  duration_seconds: { type: "DOUBLE", compression: "SNAPPY" },
  category: { type: "UTF8", compression: "SNAPPY" },
  kafka_partition: { type: "INT32", compression: "SNAPPY" },
  kafka_offset: { type: "INT64", compression: "SNAPPY" },
});
const pjDir = mkdtempSync(join(tmpdir(), "bench-parquetjs-"));
const t1 = performance.now();
const open = new Map<string, parquet.ParquetWriter>();
for (const r of views) {
  const v = JSON.parse(r.value!.toString()) as Record<string, unknown>;
  const ts = Date.parse(v.timestamp as string);
  const k = `${r.partition}-${hourPartition(ts).replace(/\W/g, "")}`;
  let w = open.get(k);
  if (!w)
    open.set(
      k,
      (w = await parquet.ParquetWriter.openFile(schema, join(pjDir, `${k}.parquet`), {
        rowGroupSize: 122880,
      })),
    );
  await w.appendRow({ ...v, timestamp: new Date(ts), kafka_partition: r.partition, kafka_offset: r.offset });
}
for (const w of open.values()) await w.close();
const pj = (performance.now() - t1) / 1000;
console.log(
  `@dsnp/parquetjs: ${views.length} product views in ${pj.toFixed(2)} s = ${Math.round(views.length / pj).toLocaleString("en")} events/s, ` +
    `${open.size} files, ${(sizeOf(pjDir) / views.length).toFixed(1)} bytes/event (snappy)`,
);
await rm(pjDir, { recursive: true, force: true });
await rm(work, { recursive: true, force: true });
