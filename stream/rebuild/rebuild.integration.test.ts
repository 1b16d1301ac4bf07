/**
 * `lakehouse stream rebuild` on the real Kafka and Postgres: a run whose rows after a point in
 * time went wrong is rebuilt from that point, and ends equal, table by table, to the
 * independent recomputation; a row before the point is left exactly as it was; and the
 * rebuild is refused while a worker of the group runs.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../cli/testing/run-cli.ts";
import { KafkaAdmin } from "../../core/eventlog/kafka-admin.ts";
import { KafkaProducer } from "../../core/eventlog/kafka-producer.ts";
import { localServers, requireServer } from "../../core/local-servers.ts";
import { createLogger } from "../../core/logger.ts";
import { loadReference } from "../../ingest/reference/load.ts";
import { recompute, sorted, streamTables, tableDiff, type Tables } from "../testing/golden.ts";
import {
  caughtUp,
  createTopics,
  endOffsets,
  produceLines,
  seededDataset,
  startWorker,
  testSchema,
  waitFor,
  type Dataset,
  type TestSchema,
} from "../testing/harness.ts";

const up = (await requireServer("kafka")) && (await requireServer("postgres"));
const servers = localServers();
const brokers = servers.kafkaBrokers;
const logger = createLogger({ level: process.env.TEST_LOG_LEVEL ?? "warn" });
const run = randomBytes(3).toString("hex");
const FROM = "2026-11-01T12:00:00.000Z";

const rebuildCli = (args: string[], env: Record<string, string>) =>
  runCli(["stream", "rebuild", ...args], env);

describe.skipIf(!up)("stream rebuild on the real Kafka and Postgres", () => {
  let ds: Dataset;
  let expected: Tables;
  let schema: TestSchema;
  let producer: KafkaProducer;
  const prefix = `rebuildtest-${run}.`;
  const group = `rebuild-${run}`;

  beforeAll(async () => {
    ds = await seededDataset(mkdtempSync(join(tmpdir(), "rebuild-events-")), {
      seed: 23,
      users: 1500,
      products: 400,
      days: 1,
      transactionsPerDay: 2000,
      until: "2026-11-02T00:00:00Z",
    });
    expected = sorted(
      await recompute(ds.eventsFile, ds.productsFile, { sessionsEndBefore: ds.closedBefore }),
    );
    schema = await testSchema(servers.databaseUrl, logger);
    await loadReference(schema.pool, ds.catalog);
    await createTopics(brokers, prefix, logger);
    producer = await KafkaProducer.connect({ brokers, logger });
    await produceLines(producer, prefix, ds.lines);
  }, 120_000);

  afterAll(async () => {
    await producer?.close();
    await schema?.drop().catch(() => {});
    const admin = await KafkaAdmin.connect(brokers, logger);
    await admin.deleteTopicsWithPrefix(prefix).finally(() => admin.close());
  });

  const tables = async () => sorted(await streamTables(schema.sql, { sessionsEndBefore: ds.closedBefore }));
  const worker = () => startWorker({ sql: schema.sql, brokers, prefix, group, owner: "rebuild", logger });
  const ends = () => endOffsets(ds.lines);

  it(
    "recomputes the rows from the point in time, leaves the rows before it, and refuses while a worker runs",
    { timeout: 300_000 },
    async () => {
      const first = await worker();
      await waitFor("the first run", () => caughtUp(schema.sql, group, ends()), 120_000);
      expect(tableDiff(await tables(), expected)).toEqual({});

      // What a bug deployed at FROM would have left: doubled revenue, lost anomalies and
      // sessions, a stock figure gone wrong. And one row before FROM that must stay as it is.
      const q = (text: string) => schema.sql.query(text);
      await q(`UPDATE sales_metrics SET revenue = revenue * 2 WHERE window_start >= '${FROM}'`);
      await q(`UPDATE sales_minute_rollups SET revenue = revenue * 2 WHERE window_start >= '${FROM}'`);
      await q(`DELETE FROM transaction_anomalies WHERE event_time >= '${FROM}'`);
      await q(`DELETE FROM session_metrics WHERE session_end >= '${FROM}'`);
      await q("UPDATE inventory_status SET quantity = quantity - 7");
      const before = await schema.sql.query<{ window_start: Date; views: string }>(
        `SELECT window_start, views FROM funnel_metrics WHERE window_start < '${FROM}' ORDER BY window_start LIMIT 1`,
      );
      const kept = before.rows[0]!;
      await q(
        `UPDATE funnel_metrics SET views = views + 1000 WHERE window_start = '${kept.window_start.toISOString()}'`,
      );
      expect(Object.keys(tableDiff(await tables(), expected)).sort()).toEqual(
        ["abandonment", "anomalies", "funnel", "rollups", "sales", "sessions", "stock"].sort(),
      );

      const env = { KAFKA_BROKERS: brokers.join(","), DATABASE_URL: schema.url, KAFKA_TOPIC_PREFIX: prefix };
      const refused = await rebuildCli(["--group", group, "--from", FROM], env);
      expect(refused.code).toBe(1);
      expect(refused.err.trim()).toMatch(
        new RegExp(`^lakehouse: 1 worker\\(s\\) of group ${group} are running .*stop them first$`),
      );

      await first.stop();
      // A wrong prefix names no topics: refused, rather than clearing the tables for nothing.
      const wrongPrefix = await rebuildCli(["--group", group, "--from", FROM], {
        ...env,
        KAFKA_TOPIC_PREFIX: "nosuch.",
      });
      expect(wrongPrefix.code).toBe(1);
      expect(wrongPrefix.err.trim()).toMatch(
        /^lakehouse: the topics transactions, .* do not exist \(check --topic-prefix\)/,
      );
      // Any time inside the hour rebuilds from the hour's start.
      const done = await rebuildCli(["--group", group, "--from", "2026-11-01T12:34:56Z", "--json"], env);
      expect(done.code, done.err).toBe(0);
      const report = JSON.parse(done.out) as { from: string; changed: Record<string, number> };
      expect(report.from).toBe(FROM);
      expect(report.changed.sales_metrics).toBeGreaterThan(0);
      expect(report.changed.stream_offsets).toBeGreaterThan(0);

      const second = await worker();
      try {
        await waitFor("the rebuild's replay", () => caughtUp(schema.sql, group, ends()), 180_000);
      } finally {
        await second.stop();
      }
      // The row before FROM is as it was left; with it put back, every table is the golden one.
      const after = await schema.sql.query<{ views: string }>(
        `SELECT views FROM funnel_metrics WHERE window_start = '${kept.window_start.toISOString()}'`,
      );
      expect(Number(after.rows[0]!.views)).toBe(Number(kept.views) + 1000);
      await q(
        `UPDATE funnel_metrics SET views = views - 1000 WHERE window_start = '${kept.window_start.toISOString()}'`,
      );
      expect(tableDiff(await tables(), expected)).toEqual({});
    },
  );
});
