/**
 * Turns a batch of one topic into bronze Parquet files on local disk, one per Kafka partition
 * and event-time hour, named by their offsets (lake/layout.ts). DuckDB does the work: it reads
 * the batch's NDJSON, types each record with json_transform_strict and writes zstd Parquet,
 * so no event is parsed in JavaScript (docs/decisions.md D14). Records it refuses are
 * inspected one by one (rejects.ts): fine JSON in an unusual spelling is read again in
 * canonical form, the rest become DLQ rows.
 */
import { mkdir, open, readdir, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";
import { DLQ_TOPIC, type Topic } from "../../core/events/topics.ts";
import { bronzeKey } from "../layout.ts";
import { shapeLiteral } from "../bronze-schema.ts";
import { inspect, rejectRecord, schemaReason } from "./rejects.ts";
import { claimWorkDir } from "./work-dir.ts";
import { positionKey, TopicBatch, type SinkRecord } from "./topic-batch.ts";
import { sqlString } from "../../core/sql-literal.ts";

export interface WrittenFile {
  /** Lake key the file belongs under. */
  key: string;
  /** The Kafka partition its rows were read from. */
  partition: number;
  /** Where it is on local disk. */
  path: string;
  rows: number;
}

export interface WriteResult {
  files: WrittenFile[];
  rows: number;
  rejected: number;
  /** Local working directory of this batch; `discard` removes it. */
  dir: string;
}

const MAX_LINE_BYTES = 64 * 1024 * 1024;
const IOV_MAX = 1024;

async function writeLines(path: string, lines: readonly Buffer[]): Promise<void> {
  const file = await open(path, "w");
  try {
    for (let i = 0; i < lines.length; i += IOV_MAX) await file.writev(lines.slice(i, i + IOV_MAX));
  } finally {
    await file.close();
  }
}

export class BronzeWriter {
  private seq = 0;
  private readonly tables = new Set<string>();
  /** One batch at a time: DuckDB already uses every core for one, and they share temp tables. */
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly db: DuckDBInstance,
    private readonly conn: DuckDBConnection,
    private readonly workDir: string,
  ) {}

  static async open(workDir: string, options: { threads?: number; memoryLimit?: string } = {}) {
    await claimWorkDir(workDir);
    const db = await DuckDBInstance.create(":memory:", {
      threads: String(options.threads ?? 2),
      memory_limit: options.memoryLimit ?? "2GB",
      temp_directory: join(workDir, "duckdb-tmp"),
    });
    const conn = await db.connect();
    await conn.run("SET TimeZone = 'UTC'; SET partitioned_write_max_open_files = 2000");
    return new BronzeWriter(db, conn, workDir);
  }

  /** Writes the batch to local files; the caller uploads them, then calls `discard`. */
  write(batch: TopicBatch, ingestedAt: number): Promise<WriteResult> {
    const next = this.queue.then(() => this.writeNow(batch, ingestedAt));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async writeNow(batch: TopicBatch, ingestedAt: number): Promise<WriteResult> {
    const topic = batch.topic as Topic;
    const dir = join(this.workDir, `${topic}-${++this.seq}`);
    await mkdir(dir, { recursive: true });
    const rows = `rows_${this.seq}`;
    // Rejected records are DLQ rows: in the DLQ's own table when the batch is the DLQ.
    const rejects = topic === DLQ_TOPIC ? rows : `rejects_${this.seq}`;
    try {
      const suspects = [...batch.special];
      if (batch.lineCount > 0) {
        await writeLines(join(dir, "in.ndjson"), batch.lines);
        await this.stage(topic, join(dir, "in.ndjson"), true);
        suspects.push(...(await this.keep(rows, batch)));
      }
      // Suspects are read again in canonical spelling, or become DLQ rows at their own position.
      const retry = new TopicBatch(topic);
      const rejected = new TopicBatch(DLQ_TOPIC);
      /** Each suspect by its position, to find it again from its canonical copy. */
      const original = new Map<string, SinkRecord>();
      const reject = (record: SinkRecord, reason: string) =>
        rejected.add(
          { ...record, value: Buffer.from(JSON.stringify(rejectRecord(topic, record, reason))) },
          0,
        );
      for (const record of suspects) {
        const seen = inspect(record.value);
        if (!seen.ok) {
          reject(record, seen.reason);
          continue;
        }
        original.set(positionKey(record.partition, record.offset), record);
        retry.add({ ...record, value: Buffer.from(seen.canonical) }, 0);
      }
      if (!retry.empty) {
        await writeLines(join(dir, "retry.ndjson"), retry.lines);
        await this.stage(topic, join(dir, "retry.ndjson"), false);
        for (const copy of await this.keep(rows, retry))
          reject(
            original.get(positionKey(copy.partition, copy.offset))!,
            schemaReason(topic, copy.value!.toString()),
          );
      }
      if (!rejected.empty) {
        await writeLines(join(dir, "rejects.ndjson"), rejected.lines);
        await this.stage(DLQ_TOPIC, join(dir, "rejects.ndjson"), false);
        const unreadable = await this.keep(rejects, rejected);
        if (unreadable.length > 0)
          throw new Error(`${unreadable.length} DLQ rows the sink built itself did not load`);
      }
      const files = await this.emit(rows, topic, topic, join(dir, "out"), ingestedAt);
      if (rejects !== rows && !rejected.empty)
        files.push(...(await this.emit(rejects, DLQ_TOPIC, topic, join(dir, "rejects"), ingestedAt)));
      return { files, rows: files.reduce((n, f) => n + f.rows, 0), rejected: rejected.rows, dir };
    } finally {
      this.tables.clear();
      await this.conn.run(
        `DROP TABLE IF EXISTS stage; DROP TABLE IF EXISTS ${rows}; DROP TABLE IF EXISTS ${rejects}`,
      );
    }
  }

  /**
   * Reads NDJSON lines into the `stage` table, typed for `topic`. With `checkLength`, a value
   * DuckDB read with a different length than was sent (trailing junk, or just an unusual
   * spelling) is left untyped, to be looked at in JavaScript.
   */
  private async stage(topic: Topic, input: string, checkLength: boolean): Promise<void> {
    const transform = `TRY(json_transform_strict(v, ${shapeLiteral(topic)}))`;
    const typed = checkLength ? `CASE WHEN strlen(v::VARCHAR) = n THEN ${transform} END` : transform;
    const encoding =
      topic === DLQ_TOPIC ? ", coalesce(json_extract_string(v, '$.payload_encoding'), 'utf8') AS enc" : "";
    await this.conn.run(
      `CREATE OR REPLACE TEMP TABLE stage AS
       SELECT p, o, t,
         CASE WHEN r.timestamp >= TIMESTAMPTZ '1970-01-01 00:00:00+00'
               AND r.timestamp < TIMESTAMPTZ '10000-01-01 00:00:00+00' THEN r END AS r${topic === DLQ_TOPIC ? ", enc" : ""}
       FROM (SELECT p, o, t, ${typed} AS r${encoding}
             FROM read_json(${sqlString(input)}, format = 'newline_delimited', ignore_errors = true,
               maximum_object_size = ${MAX_LINE_BYTES},
               columns = {p: 'INTEGER', o: 'BIGINT', t: 'BIGINT', n: 'BIGINT', v: 'JSON'})
             WHERE o IS NOT NULL)`,
    );
  }

  /** Moves the typed rows of `stage` into `table`; returns the batch's line records that were not typed. */
  private async keep(table: string, expected: TopicBatch): Promise<SinkRecord[]> {
    const counts = await this.conn.runAndReadAll(
      "SELECT count(*) FILTER (WHERE r IS NOT NULL), count(*) FROM stage",
    );
    const [good, staged] = counts.getRows()[0]!.map(Number) as [number, number];
    const renamed = !this.tables.has(table) && good === staged;
    if (renamed) {
      // The usual case, every line typed: no copy.
      await this.conn.run(`ALTER TABLE stage RENAME TO ${table}`);
    } else {
      await this.conn.run(
        `CREATE TEMP TABLE IF NOT EXISTS ${table} AS SELECT * FROM stage WHERE false;
         INSERT INTO ${table} SELECT * FROM stage WHERE r IS NOT NULL`,
      );
    }
    this.tables.add(table);
    if (good === expected.lineCount) return [];
    const read = new Set<string>();
    const pairs = await this.conn.runAndReadAll(
      `SELECT p, o FROM ${renamed ? table : "stage"} WHERE r IS NOT NULL`,
    );
    for (const [p, o] of pairs.getRows()) read.add(positionKey(Number(p), Number(o)));
    const missing: SinkRecord[] = [];
    for (let i = 0; i < expected.lineCount; i++)
      if (!read.has(expected.lineKey(i))) missing.push(expected.lineRecord(i));
    return missing;
  }

  /** One Parquet file per Kafka partition and event-time hour of `table`'s rows. */
  private async emit(table: string, lakeTable: Topic, source: string, out: string, ingestedAt: number) {
    if (!this.tables.has(table)) return [];
    const encoding = lakeTable === DLQ_TOPIC ? ", enc AS payload_encoding" : "";
    await this.conn.run(
      `COPY (SELECT r.*${encoding}, ${sqlString(source)} AS kafka_topic, p AS kafka_partition, o AS kafka_offset,
               epoch_ms(t)::TIMESTAMPTZ AS kafka_timestamp, epoch_ms(${ingestedAt})::TIMESTAMPTZ AS ingested_at,
               p AS _p, epoch_ms(date_trunc('hour', r.timestamp)) AS _h
             FROM ${table})
       TO ${sqlString(out)} (FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 1, ROW_GROUP_SIZE 122880,
         PARTITION_BY (_p, _h), FILENAME_PATTERN 'part')`,
    );
    const spans = await this.conn.runAndReadAll(
      `SELECT p, epoch_ms(date_trunc('hour', r.timestamp)), min(o), max(o), count(*)
       FROM ${table} GROUP BY ALL ORDER BY 1, 2`,
    );
    const files: WrittenFile[] = [];
    for (const row of spans.getRows()) {
      const [p, h, first, last, count] = row.map(Number) as [number, number, number, number, number];
      const dir = join(out, `_p=${p}`, `_h=${h}`);
      const parts = (await readdir(dir)).filter((n) => n.endsWith(".parquet")).map((n) => join(dir, n));
      const path = join(dir, `${source}+${p}+${first}-${last}.parquet`);
      if (parts.length === 1) {
        await rename(parts[0]!, path);
      } else {
        // DuckDB rolls a partition over to a new file when too many are open; join them again.
        await this.conn.run(
          `COPY (SELECT * FROM read_parquet([${parts.map(sqlString).join(", ")}], hive_partitioning = false))
           TO ${sqlString(path)} (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 122880)`,
        );
        await Promise.all(parts.map((part) => rm(part)));
      }
      files.push({ key: bronzeKey(lakeTable, h, source, p, first, last), partition: p, path, rows: count });
    }
    return files;
  }

  async discard(result: WriteResult): Promise<void> {
    await rm(result.dir, { recursive: true, force: true });
  }

  close(): void {
    this.conn.closeSync();
    this.db.closeSync();
  }
}
