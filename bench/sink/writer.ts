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
import { hourPartition } from "../../lake/layout.ts";
import { peakRssMb } from "../measure.ts";
import { backfillWorkload } from "../ingest/workload.ts";
import { recordsByTopic, writerAlone } from "./writer-alone.ts";

const { values, options } = backfillWorkload({
  batch: { type: "string", default: "1000000" },
  "parquetjs-rows": { type: "string", default: "300000" },
});
const byTopic = recordsByTopic(options);
const total = [...byTopic.values()].reduce((n, l) => n + l.length, 0);

function sizeOf(dir: string): number {
  let bytes = 0;
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true }))
    if (entry.isFile() && entry.name.endsWith(".parquet"))
      bytes += statSync(join(entry.parentPath, entry.name)).size;
  return bytes;
}

// DuckDB writer, batches as the sink cuts them.
const duck = await writerAlone(byTopic, Number(values.batch));
console.log(
  `duckdb writer: ${total} events in ${duck.seconds.toFixed(2)} s = ${Math.round(total / duck.seconds).toLocaleString("en")} events/s, ` +
    `${duck.files} files, ${(duck.bytes / total).toFixed(1)} bytes/event (zstd), peak RSS ${peakRssMb()} MB`,
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
