/**
 * The silver models' deduplication (models/earliest-copy.sql) on hand-made bronze rows, in DuckDB (no server): one row per
 * id, the earliest copy by Kafka position (timestamp, then partition, then offset), a record
 * stored twice at one position counted once, and ids seen once passed through unchanged.
 */
import { DuckDBInstance } from "@duckdb/node-api";
import { describe, expect, it } from "vitest";
import { EVENT_TOPICS, ID_FIELD, type EventTopic } from "../../../core/events/topics.ts";
import { bronzeColumnsDdl } from "../../../lake/bronze-schema.ts";
import { createOnceViews } from "../../bronze-views.ts";
import { MODELS } from "../../models.ts";

const TABLES: EventTopic[] = ["transactions", "product_views", "cart_events", "refunds"];

// [id, user_id (tells the copies apart), kafka timestamp, partition, offset, dt]
const ROWS: [string, string, number, number, number, string][] = [
  ["a", "a-late", 2_000, 0, 5, "2026-11-02"],
  ["a", "a-first", 1_000, 3, 9, "2026-11-01"], // earliest by Kafka timestamp
  ["a", "a-third", 3_000, 0, 1, "2026-11-02"],
  ["b", "b-p1", 1_000, 1, 7, "2026-11-01"],
  ["b", "b-p0", 1_000, 0, 8, "2026-11-01"], // same time: the lower partition
  ["c", "c-o3", 1_000, 2, 3, "2026-11-01"], // same time and partition: the lower offset
  ["c", "c-o4", 1_000, 2, 4, "2026-11-01"],
  ["d", "d", 1_000, 2, 6, "2026-11-01"], // stored twice at one position
  ["d", "d", 1_000, 2, 6, "2026-11-01"],
  ["e", "e", 5_000, 4, 0, "2026-11-01"], // once
  ["f", "f-future", 1_000, 5, 0, "2026-11-03"], // after the snapshot date: not in silver
];

describe("silver deduplication", () => {
  it.each(TABLES)("%s: one row per id, the earliest Kafka position's", async (table) => {
    const db = await DuckDBInstance.create(":memory:");
    const conn = await db.connect();
    try {
      await conn.run("SET TimeZone = 'UTC'; SET VARIABLE snapshot_date = DATE '2026-11-02'");
      await conn.run(`CREATE TABLE bronze_${table} (${bronzeColumnsDdl(table)}, dt DATE, hr BIGINT)`);
      const id = ID_FIELD[table];
      for (const [key, user, ts, partition, offset, dt] of ROWS)
        await conn.run(
          `INSERT INTO bronze_${table} (${id}, user_id, "timestamp", kafka_timestamp, kafka_partition, kafka_offset, dt, hr)
           VALUES ('${key}', '${user}', TIMESTAMPTZ '${dt} 10:00:00+00', make_timestamp(${ts * 1000}), ${partition}, ${offset}, DATE '${dt}', 10)`,
        );
      for (const other of EVENT_TOPICS.filter((t) => t !== table))
        await conn.run(`CREATE TABLE bronze_${other} (${bronzeColumnsDdl(other)}, dt DATE, hr BIGINT)`);
      await createOnceViews(conn);
      const model = MODELS.find((m) => m.name === `silver_${table}`)!;
      const rows = (
        await conn.runAndReadAll(`SELECT ${id}, user_id FROM (${model.sql}) ORDER BY 1`)
      ).getRowsJS();
      expect(rows).toEqual([
        ["a", "a-first"],
        ["b", "b-p0"],
        ["c", "c-o3"],
        ["d", "d"],
        ["e", "e"],
      ]);
    } finally {
      conn.closeSync();
      db.closeSync();
    }
  });
});
