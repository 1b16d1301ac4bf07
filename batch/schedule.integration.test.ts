/**
 * The nightly scheduler against the real MinIO and MongoDB-wire server: two schedulers fire on
 * the same tick; one runs and records the run, the other waits on the batch lock and then finds
 * the date done instead of running it twice.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { MongoClient } from "mongodb";
import { afterAll, describe, expect, it } from "vitest";
import { localServers, requireServer } from "../core/local-servers.ts";
import { createLogger } from "../core/logger.ts";
import { S3Store } from "../lake/store/s3-store.ts";
import { seededDataset } from "../stream/testing/harness.ts";
import { BATCH_RUNS, mongoRunHistory, type BatchRunDoc } from "../warehouse/runs.ts";
import type { BatchEnv } from "./run-date.ts";
import { startScheduler } from "./schedule.ts";
import { seedLake } from "./testing/seed-lake.ts";

const up = (await requireServer("s3")) && (await requireServer("mongo"));
const servers = localServers();

describe.skipIf(!up)("batch scheduler (MinIO + MongoDB wire)", () => {
  const id = randomBytes(4).toString("hex");
  const client = new MongoClient(servers.mongoUrl, { serverSelectionTimeoutMS: 5000 });
  const stores: S3Store[] = [];

  afterAll(async () => {
    await client
      .db(`sched_${id}`)
      .dropDatabase()
      .catch(() => {});
    await client.close();
    for (const s of stores) await s.close();
  });

  it(
    "fires on its cron, records the run, and a second scheduler waits instead of running twice",
    { timeout: 120_000 },
    async () => {
      await client.connect();
      const db = client.db(`sched_${id}`);
      const ds = await seededDataset(mkdtempSync(join(tmpdir(), "sched-events-")), {
        seed: 51,
        users: 400,
        products: 200,
        days: 1,
        transactionsPerDay: 500,
        until: "2026-11-02T00:00:00Z",
      });
      const logs: string[][] = [[], []];
      const env = (n: number): BatchEnv => {
        const store = new S3Store(
          "lakehouse",
          `test-sched-${id}`,
          { ...servers.s3 },
          createLogger({ level: "warn" }),
        );
        stores.push(store);
        return {
          store,
          db,
          history: mongoRunHistory(db),
          productsFile: ds.productsFile,
          cacheDir: mkdtempSync(join(tmpdir(), "sched-cache-")),
          workDir: mkdtempSync(join(tmpdir(), "sched-work-")),
          logger: createLogger({
            level: "info",
            destination: new Writable({
              write(chunk: Buffer, _e, done) {
                logs[n]!.push(chunk.toString());
                done();
              },
            }),
          }),
        };
      };
      const [a, b] = [env(0), env(1)];
      await seedLake(a.store, ds.eventsFile);

      // One tick, 3 s from now, for both.
      const at = new Date(Date.now() + 3000);
      const expression = `${at.getUTCSeconds()} ${at.getUTCMinutes()} ${at.getUTCHours()} * * *`;
      const options = { cron: expression, timeZone: "UTC", dateFor: () => "2026-11-01", retryDelaysMs: [] };
      const first = startScheduler(a, { ...options, logger: a.logger });
      const second = startScheduler(b, { ...options, logger: b.logger });
      const runs = db.collection<BatchRunDoc>(BATCH_RUNS);
      const deadline = Date.now() + 90_000;
      const all = () => logs.flat().join("");
      while (!/already done by run/.test(all())) {
        if (Date.now() > deadline)
          throw new Error(`no second scheduler outcome; logs: ${all().slice(-3000)}`);
        await new Promise((r) => setTimeout(r, 250));
      }
      await first.stop();
      await second.stop();

      const done = await runs.find().toArray();
      expect(done).toHaveLength(1);
      expect(done[0]).toMatchObject({ status: "succeeded", snapshot_date: "2026-11-01", job: "all" });
      expect(done[0]!.row_counts!.rfm_customers).toBeGreaterThan(0);
      expect(all()).toMatch(/waiting for the batch lock/);
    },
  );
});
