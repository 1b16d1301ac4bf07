/**
 * The chaos run's end-state checks, each against what was accepted (the feeder's file of lines
 * Kafka acknowledged), never against the pipeline's own counts:
 * - the real-time tables, window by window, against the independent DuckDB recomputation;
 * - the lake: every Kafka record in bronze exactly once, no two files sharing an offset, every
 *   accepted event there and nothing else;
 * - the warehouse: RFM and daily sales of the last closed day, computed here in TypeScript;
 * - the API: every answer it gave during the run.
 */
import { createReadStream, readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { DuckDBInstance } from "@duckdb/node-api";
import type { Db, Document } from "mongodb";
import type { SqlClient } from "../../core/db/sql.ts";
import type { PartitionRange } from "../../core/eventlog/kafka-admin.ts";
import { ALL_TOPICS, EVENT_TOPICS, ID_FIELD } from "../../core/events/topics.ts";
import { sqlString } from "../../core/sql-literal.ts";
import { fetchLive } from "../../lake/fetch.ts";
import { parseBronzeKey } from "../../lake/layout.ts";
import type { ObjectStore } from "../../lake/store/port.ts";
import { cents, day, expectedRfm, type Tx } from "../../batch/testing/expected.ts";
import { currentCollection } from "../../warehouse/publish.ts";
import { recompute, sorted, streamTables, tableDiff } from "../../stream/testing/golden.ts";
import { percentile } from "../measure.ts";
import type { ApiAnswer } from "./probes.ts";

export async function streamDiff(o: {
  sql: SqlClient;
  acceptedFile: string;
  productsFile: string;
  closedBefore: number;
}) {
  const scope = { sessionsEndBefore: o.closedBefore };
  const want = sorted(await recompute(o.acceptedFile, o.productsFile, scope));
  const got = sorted(await streamTables(o.sql, scope));
  const rows = Object.values(want).reduce((n, t) => n + t.length, 0);
  return { diff: tableDiff(got, want), rows };
}

export interface LakeReport {
  records: number;
  /** Kafka records (topic, partition, offset) missing from bronze. */
  missingRecords: number;
  /** Kafka records held by more than one bronze row. */
  doubledRecords: number;
  /** Files of one partition whose offset ranges overlap. */
  overlappingFiles: number;
  /** Accepted events with no bronze row, and bronze events never accepted. */
  lostEvents: number;
  unknownEvents: number;
  /** Bronze rows beyond the first per event id: producer retries Kafka holds twice, folded in silver. */
  retriedCopies: number;
  files: number;
}

export async function checkLake(o: {
  store: ObjectStore;
  cacheDir: string;
  acceptedFile: string;
  /** Kafka's end offsets per SPEC topic. */
  ends: Map<string, PartitionRange[]>;
}): Promise<LakeReport> {
  const db = await DuckDBInstance.create(":memory:");
  const conn = await db.connect();
  try {
    const report: LakeReport = {
      records: 0,
      missingRecords: 0,
      doubledRecords: 0,
      overlappingFiles: 0,
      lostEvents: 0,
      unknownEvents: 0,
      retriedCopies: 0,
      files: 0,
    };
    const one = async (q: string) => (await conn.runAndReadAll(q)).getRowsJS()[0]!.map(Number);
    await conn.run(
      `CREATE TABLE accepted AS SELECT topic, value FROM read_json(${sqlString(o.acceptedFile)},
         format = 'newline_delimited', columns = {topic: 'VARCHAR', value: 'JSON'})`,
    );
    for (const topic of ALL_TOPICS) {
      const live = await fetchLive(o.store, `bronze/${topic}/`, o.cacheDir, conn);
      report.files += live.length;
      const ranges = new Map<number, [number, number][]>();
      for (const f of live) {
        const b = parseBronzeKey(f.key);
        if (!b) continue;
        ranges.set(b.partition, [...(ranges.get(b.partition) ?? []), [b.first, b.last]]);
      }
      for (const rs of ranges.values()) {
        rs.sort((a, b) => a[0] - b[0]);
        for (let i = 1; i < rs.length; i++) if (rs[i]![0] <= rs[i - 1]![1]) report.overlappingFiles++;
      }
      const list = live.map((f) => sqlString(f.path)).join(", ");
      await conn.run(
        live.length === 0
          ? `CREATE OR REPLACE TABLE bronze AS SELECT NULL::INT AS kafka_partition, NULL::BIGINT AS kafka_offset WHERE false`
          : `CREATE OR REPLACE TABLE bronze AS SELECT * FROM read_parquet([${list}], hive_partitioning = false, union_by_name = true)`,
      );
      for (const r of o.ends.get(topic) ?? []) {
        const [rows, distinct] = await one(
          `SELECT count(*), count(DISTINCT kafka_offset) FROM bronze
           WHERE kafka_partition = ${r.partition} AND kafka_offset >= ${r.low} AND kafka_offset < ${r.high}`,
        );
        report.records += r.high - r.low;
        report.missingRecords += r.high - r.low - distinct!;
        report.doubledRecords += rows! - distinct!;
      }
      if (!(EVENT_TOPICS as readonly string[]).includes(topic)) continue;
      const id = ID_FIELD[topic as keyof typeof ID_FIELD];
      const [lost, unknown, copies] = await one(
        `WITH a AS (SELECT DISTINCT value->>'${id}' AS id FROM accepted WHERE topic = '${topic}'),
              b AS (SELECT ${id}::VARCHAR AS id FROM bronze)
         SELECT (SELECT count(*) FROM a WHERE id NOT IN (SELECT id FROM b)),
                (SELECT count(DISTINCT id) FROM b WHERE id NOT IN (SELECT id FROM a)),
                (SELECT count(*) - count(DISTINCT id) FROM b)`,
      );
      report.lostEvents += lost!;
      report.unknownEvents += unknown!;
      report.retriedCopies += copies!;
    }
    return report;
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}

/** Accepted transactions up to and including `lastDay` (read line by line: a long run's file is GBs). */
async function acceptedTransactions(acceptedFile: string, lastDay: string): Promise<Tx[]> {
  const seen = new Set<string>();
  const txs: Tx[] = [];
  for await (const line of createInterface({ input: createReadStream(acceptedFile), crlfDelay: Infinity })) {
    if (!line.startsWith('{"topic":"transactions"')) continue;
    const t = (JSON.parse(line) as { value: Tx }).value;
    if (day(t.timestamp) > lastDay || seen.has(t.transaction_id)) continue;
    seen.add(t.transaction_id);
    txs.push(t);
  }
  return txs;
}

/** Sales per date x category x country: `revenue cents|units|orders`, as gold.daily_sales defines them. */
function expectedDailySales(txs: Tx[], productsFile: string): Map<string, string> {
  const category = new Map<string, string>();
  for (const line of readFileSync(productsFile, "utf8").split("\n"))
    if (line) {
      const p = JSON.parse(line) as { product_id: string; category: string };
      category.set(p.product_id, p.category);
    }
  const cells = new Map<string, { revenue: number; units: number; orders: Set<string> }>();
  for (const t of txs)
    for (const item of t.products) {
      const k = `${day(t.timestamp)}|${category.get(item.product_id) ?? "unknown"}|${t.country}`;
      const c = cells.get(k) ?? { revenue: 0, units: 0, orders: new Set() };
      c.revenue += cents(item.price * item.quantity);
      c.units += item.quantity;
      c.orders.add(t.transaction_id);
      cells.set(k, c);
    }
  return new Map([...cells].map(([k, c]) => [k, `${c.revenue}|${c.units}|${c.orders.size}`]));
}

const mapDiff = (got: Map<string, string>, want: Map<string, string>) => {
  let wrong = 0;
  for (const [k, v] of want) if (got.get(k) !== v) wrong++;
  for (const k of got.keys()) if (!want.has(k)) wrong++;
  return wrong;
};

export async function checkWarehouse(o: {
  db: Db;
  acceptedFile: string;
  productsFile: string;
  lastDay: string;
}) {
  const txs = await acceptedTransactions(o.acceptedFile, o.lastDay);
  // A published table's current documents as key -> "field|field|...", the form the
  // expectations are built in.
  const published = async (table: string, entry: (d: Document) => [string, string]) => {
    const pointer = await currentCollection(o.db, table);
    const docs = await o.db
      .collection(pointer?.collection ?? "none")
      .find()
      .toArray();
    return { pointer, rows: new Map(docs.map(entry)) };
  };
  const { pointer: rfmPointer, rows: rfm } = await published("rfm_customers", (d) => [
    String(d.user_id),
    [d.recency_days, d.frequency, cents(Number(d.monetary)), d.r_score, d.f_score, d.m_score, d.segment]
      .map(String)
      .join("|"),
  ]);
  const { rows: sales } = await published("daily_sales", (d) => [
    `${String(d.date).slice(0, 10)}|${d.category}|${d.country}`,
    `${cents(Number(d.revenue))}|${d.units}|${d.orders}`,
  ]);
  const wantRfm = expectedRfm(txs, o.lastDay);
  const wantSales = expectedDailySales(txs, o.productsFile);
  return {
    snapshot: rfmPointer?.snapshot_date,
    customers: wantRfm.size,
    rfmWrong: mapDiff(rfm, wantRfm),
    salesCells: wantSales.size,
    salesWrong: mapDiff(sales, wantSales),
  };
}

export interface ApiReport {
  answers: number;
  /** Answers per "status route". */
  byStatus: Record<string, number>;
  unexpected: string[];
  during: { p50: number; p99: number; n: number };
  outside: { p50: number; p99: number; n: number };
}

/**
 * Every API answer of the run against what is allowed: 2xx; no answer while the API process was
 * down; 503 while Postgres or MongoDB was down (and 20 s after, while pools reconnect); 404 on a
 * warehouse route before the first batch published. Latency of 2xx answers during faults (each
 * until 5 s after it was lifted) and outside them.
 */
export function checkApi(
  answers: readonly ApiAnswer[],
  faults: readonly { name: string; kind: string; startedAt: number; liftedAt: number }[],
  firstPublish: number,
  t0: number,
): ApiReport {
  const storeDown = faults
    .filter((r) => r.kind === "server-stop" && /postgres|mongo/.test(r.name))
    .map((r) => [r.startedAt, r.liftedAt + 20_000] as const);
  const anyFault = faults.map((r) => [r.startedAt, r.liftedAt + 5_000] as const);
  const inside = (at: number, windows: readonly (readonly [number, number])[]) =>
    windows.some(([a, b]) => at >= a && at <= b);
  const byStatus: Record<string, number> = {};
  const unexpected: string[] = [];
  for (const a of answers) {
    const key = `${a.status} ${a.route}`;
    byStatus[key] = (byStatus[key] ?? 0) + 1;
    const fine =
      (a.status >= 200 && a.status < 300) ||
      a.status === 0 ||
      (a.status === 503 && inside(a.at, storeDown)) ||
      (a.status === 404 && a.route.startsWith("/v1/warehouse/") && a.at < firstPublish);
    if (!fine) unexpected.push(`${key} at +${Math.round((a.at - t0) / 1000)} s`);
  }
  const answered = answers.filter((a) => a.status >= 200 && a.status < 300);
  const figures = (xs: ApiAnswer[]) => {
    const ms = xs.map((a) => a.ms);
    return { p50: percentile(ms, 50), p99: percentile(ms, 99), n: xs.length };
  };
  return {
    answers: answers.length,
    byStatus,
    unexpected,
    during: figures(answered.filter((a) => inside(a.at, anyFault))),
    outside: figures(answered.filter((a) => !inside(a.at, anyFault))),
  };
}
