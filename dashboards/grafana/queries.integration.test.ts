/**
 * Every query of the six dashboards against the real servers, after a seeded pipeline run, the
 * way Grafana would send it (no Grafana server can be installed here; testing/expand.ts does
 * Grafana's part):
 *  - PostgreSQL panels: expanded, run as a login that holds only lakehouse_reader's grants;
 *    each returns rows with the columns the panel names;
 *  - Infinity panels: called over HTTP on the real API with a warehouse:read key; 200, rows
 *    under the root selector with every column the panel selects;
 *  - PromQL: evaluated by the real Prometheus (services.sh) while it scrapes this process's
 *    stream and sink metrics and the API; each returns series with the labels its legend uses.
 */
import { randomBytes } from "node:crypto";
import { createReadStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import type { Dashboard } from "@grafana/schema";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { KeyRing, parseApiKeys } from "../../core/api-keys.ts";
import { ALL_TOPICS } from "../../core/events/topics.ts";
import { MemoryLog } from "../../core/eventlog/memory-log.ts";
import {
  localServers,
  PROMETHEUS_SCRAPE_KEY,
  prometheusTargetsDir,
  requireServer,
} from "../../core/local-servers.ts";
import { serveMetrics } from "../../core/metrics.ts";
import { BronzeWriter } from "../../lake/sink/bronze-writer.ts";
import { LakeSink } from "../../lake/sink/sink.ts";
import { FileStore } from "../../lake/store/file-store.ts";
import type { Api } from "../../api/routes/context.ts";
import { buildApi } from "../../api/server.ts";
import { openFullStack, type FullStack } from "../../api/testing/full-stack.ts";
import { DAY } from "../../api/testing/seeded.ts";
import { goldRows, logger } from "../../api/testing/suite.ts";
import { DASHBOARDS } from "./src/all.ts";
import { expandSqlMacros, interpolate, type ExpandContext, type Range } from "./testing/expand.ts";
import { fieldsNamed, panelsOf, targetsOf } from "./testing/structure.ts";
import { sleep } from "../../core/retry.ts";

const available =
  (await requireServer("postgres")) && (await requireServer("mongo")) && (await requireServer("prometheus"));
const servers = localServers();
const GRAFANA_KEY = "grafana-test-key";
const datasources = (
  parse(readFileSync(new URL("provisioning/datasources/lakehouse.yaml", import.meta.url), "utf8")) as {
    datasources: { uid: string; jsonData?: { timeInterval?: string } }[];
  }
).datasources;
const timeInterval = (uid: string) => datasources.find((d) => d.uid === uid)?.jsonData?.timeInterval;

type Row = Record<string, unknown>;

/** Some value other than the time and series-name columns is there and not zero. */
const hasData = (rows: Row[]) =>
  rows.some((r) =>
    Object.entries(r).some(([k, v]) => k !== "time" && k !== "metric" && v !== null && v !== 0 && v !== "0"),
  );

describe.skipIf(!available)("the dashboards' queries on the real servers", { timeout: 300_000 }, () => {
  let stack: FullStack;
  let grafanaDb: pg.Client;
  let role: string;
  let app: Api;
  let apiBase: string;
  let metrics: { port: number; close: () => Promise<void> };
  let targetsFile: string;
  let user: string;
  let segment: string;

  beforeAll(async () => {
    stack = await openFullStack();
    // Grafana's own login: a member of lakehouse_reader, read-only, as postgres/grafana-reader.sh makes it.
    role = `grafana_${randomBytes(4).toString("hex")}`;
    await stack.sql.query(`CREATE ROLE ${role} LOGIN IN ROLE lakehouse_reader`);
    await stack.sql.query(`ALTER ROLE ${role} SET default_transaction_read_only = on`);
    const url = new URL(servers.databaseUrl);
    url.username = role;
    url.search = new URL(stack.schemaUrl).search; // the test schema's search_path
    grafanaDb = new pg.Client({ connectionString: url.toString() });
    await grafanaDb.connect();

    app = await buildApi({
      realtime: stack.realtime,
      warehouse: stack.warehouse,
      keys: new KeyRing(
        parseApiKeys(
          `grafana:${GRAFANA_KEY}:warehouse:read,prometheus:${PROMETHEUS_SCRAPE_KEY}:ops:read`,
          "test",
        ),
      ),
      logger,
      maxRangeMs: 7 * 86_400_000,
      rateLimitPerMinute: 0,
    });
    apiBase = await app.listen({ port: 0, host: "127.0.0.1" });
    metrics = await serveMetrics(0);
    await runSink(stack);

    const rfm = await goldRows(stack.seeded.lakeDir, "rfm_customers");
    user = String(rfm[0]!.user_id);
    const segments = await goldRows(stack.seeded.lakeDir, "rfm_segments");
    segment = String([...segments].sort((a, b) => Number(b.customers) - Number(a.customers))[0]!.segment);
  }, 300_000);

  afterAll(async () => {
    if (targetsFile) rmSync(targetsFile, { force: true });
    await metrics?.close();
    await app?.close();
    await grafanaDb?.end();
    if (role) await stack.sql.query(`DROP ROLE ${role}`);
    await stack?.close();
  });

  /** The dashboard's variables with what a user sees first ("All"), or the test's choice. */
  async function variablesOf(d: Dashboard): Promise<ExpandContext["variables"]> {
    const chosen: Record<string, string> = { user_id: user, segment };
    const out: ExpandContext["variables"] = {};
    for (const v of d.templating?.list ?? []) {
      let options = (v.options ?? []).map((o) => String(o.value));
      if (v.type === "query") {
        const r = await grafanaDb.query<{ v: string }>(`SELECT v FROM (${v.query as string}) q(v)`);
        options = r.rows.map((row) => row.v);
        expect(options.length, `variable ${v.name} offers no value`).toBeGreaterThan(0);
      }
      const current = v.current?.value ?? "";
      out[v.name] = {
        value: chosen[v.name] !== undefined ? [chosen[v.name]!] : [current].flat().map(String),
        options,
        multi: v.multi ?? false,
        includeAll: v.includeAll ?? false,
      };
    }
    return out;
  }

  const rangeOf = (file: string): Range =>
    // Pipeline health reads processing-time tables and live metrics: the last hour up to now.
    file === "pipeline-health.json"
      ? { from: new Date(Date.now() - 3_600_000), to: new Date() }
      : { from: new Date(DAY.from), to: new Date(DAY.to) };

  const each = (kind: string) =>
    Object.entries(DASHBOARDS).flatMap(([file, d]) =>
      panelsOf(d).flatMap((p) =>
        targetsOf(p)
          .filter((t) => t.datasource?.type === kind)
          .map((t) => ({ file, d, p, t })),
      ),
    );

  it("runs every PostgreSQL panel query as the reader role, with the columns the panel names", async () => {
    const queries = each("grafana-postgresql-datasource");
    expect(queries.length).toBeGreaterThan(20);
    for (const { file, d, p, t } of queries) {
      const ctx: ExpandContext = {
        range: rangeOf(file),
        variables: await variablesOf(d),
        minInterval: p.interval ?? timeInterval("lakehouse-postgres"),
      };
      const text = expandSqlMacros(interpolate(String(t.rawSql), ctx, "sql"), ctx.range);
      const where = `${file} "${p.title}"`;
      const result = await grafanaDb.query<Row>(text).catch((err: Error) => {
        throw new Error(`${where}: ${err.message}\n${text}`);
      });
      const columns = result.fields.map((f) => f.name);
      expect(result.rows.length, `${where} returned no rows`).toBeGreaterThan(0);
      expect(hasData(result.rows), `${where} returned only nulls and zeros`).toBe(true);
      for (const field of fieldsNamed(p)) expect(columns, `${where} names ${field}`).toContain(field);
      if (t.format === "time_series") expect(columns, where).toContain("time");
    }
  });

  it("cannot be turned into a write or a read of pipeline state through the reader role", async () => {
    await expect(grafanaDb.query("DELETE FROM sales_metrics")).rejects.toThrow();
    await expect(grafanaDb.query("SELECT * FROM stream_offsets")).rejects.toThrow(/permission denied/);
  });

  it("calls every Infinity panel's URL on the real API with a key: 200 and the fields the panel uses", async () => {
    const queries = each("yesoreyeram-infinity-datasource");
    expect(queries.length).toBeGreaterThanOrEqual(7);
    for (const { file, d, p, t } of queries) {
      const ctx: ExpandContext = { range: rangeOf(file), variables: await variablesOf(d) };
      const url = interpolate(String(t.url), ctx, "url");
      const where = `${file} "${p.title}" ${url}`;
      const res = await fetch(`${apiBase}${url}`, { headers: { "x-api-key": GRAFANA_KEY } });
      expect(res.status, `${where}: ${await res.clone().text()}`).toBe(200);
      const body = (await res.json()) as Row;
      const root = body[String(t.root_selector)];
      const rows = (Array.isArray(root) ? root : [root]) as Row[];
      expect(rows.length, where).toBeGreaterThan(0);
      const columns = (t.columns as { selector: string; text: string }[]) ?? [];
      for (const c of columns)
        expect(Object.keys(rows[0]!), `${where} selects ${c.selector}`).toContain(c.selector);
      for (const field of fieldsNamed(p))
        expect(
          columns.map((c) => c.text),
          `${where} names ${field}`,
        ).toContain(field);
    }
  });

  it("evaluates every PromQL expression on the real Prometheus, scraping the stream, sink and API", async () => {
    // Prometheus (services.sh) discovers targets from files: register this process's two endpoints.
    targetsFile = join(prometheusTargetsDir(), `dashboards-${process.pid}.json`);
    const api = `127.0.0.1:${new URL(apiBase).port}`;
    const worker = `127.0.0.1:${metrics.port}`;
    writeFileSync(
      targetsFile,
      JSON.stringify([
        { targets: [api], labels: { service: "api" } },
        { targets: [worker], labels: { service: "stream" } },
      ]),
    );
    for (const path of ["/healthz", "/readyz", "/v1/warehouse/rfm/segments"])
      await fetch(`${apiBase}${path}`, { headers: { "x-api-key": GRAFANA_KEY } });
    const prom = async (path: string) => {
      const res = await fetch(new URL(path, servers.prometheusUrl));
      return (await res.json()) as { status: string; data: Record<string, unknown>; error?: string };
    };
    // Both targets up and scraped at least twice (rate() needs two samples).
    const deadline = Date.now() + 60_000;
    for (;;) {
      const t = await prom("/api/v1/targets?state=active");
      const ours = (t.data.activeTargets as { scrapeUrl: string; health: string }[]).filter(
        (a) => a.scrapeUrl.includes(api) || a.scrapeUrl.includes(worker),
      );
      const samples = await prom(
        `/api/v1/query?query=${encodeURIComponent(`count_over_time(up{instance="${api}"}[1m])`)}`,
      );
      const n = Number(
        (samples.data.result as { value: [number, string] }[] | undefined)?.[0]?.value[1] ?? 0,
      );
      if (ours.length === 2 && ours.every((a) => a.health === "up") && n >= 3) break;
      if (Date.now() > deadline)
        throw new Error(`Prometheus did not scrape the targets: ${JSON.stringify(ours)}`);
      await sleep(500);
    }

    const queries = each("prometheus");
    expect(queries.length).toBeGreaterThanOrEqual(6);
    for (const { file, d, p, t } of queries) {
      const ctx: ExpandContext = {
        range: rangeOf(file),
        variables: await variablesOf(d),
        scrapeInterval: timeInterval("lakehouse-prometheus"),
      };
      const expr = interpolate(String(t.expr), ctx, "promql");
      const where = `${file} "${p.title}" ${expr}`;
      const r = await prom(`/api/v1/query?query=${encodeURIComponent(expr)}`);
      expect(r.status, `${where}: ${r.error}`).toBe("success");
      const series = r.data.result as { metric: Record<string, string> }[];
      expect(series.length, `${where} returned no series`).toBeGreaterThan(0);
      for (const [, label] of String(t.legendFormat).matchAll(/\{\{(\w+)\}\}/g))
        for (const s of series) expect(Object.keys(s.metric), `${where} has label ${label}`).toContain(label);
    }
  });
});

/** Runs the lake sink over part of the dataset, so its flush metrics exist. */
async function runSink(stack: FullStack): Promise<void> {
  const log = new MemoryLog();
  for (const topic of ALL_TOPICS) log.createTopic(topic);
  let n = 0;
  for await (const line of createInterface({ input: createReadStream(stack.ds.eventsFile) })) {
    if (line === "" || n++ >= 2000) continue;
    const e = JSON.parse(line) as { topic: string; key: string; value: unknown };
    log.enqueue({ topic: e.topic, key: e.key, value: Buffer.from(JSON.stringify(e.value)) });
  }
  const work = mkdtempSync(join(tmpdir(), "dash-sink-"));
  const writer = await BronzeWriter.open(join(work, "writer"));
  const sink = new LakeSink({
    group: "dashboards-sink",
    store: new FileStore(join(work, "lake")),
    writer,
    rotation: { maxRows: 500, maxBytes: 1 << 30, maxDelayMs: 200 },
    logger,
  });
  const consumer = await log.join("dashboards-sink", ALL_TOPICS, sink.handlers);
  const stop = new AbortController();
  const running = sink.run(consumer, stop.signal);
  const deadline = Date.now() + 60_000;
  while (sink.stats.files === 0 && Date.now() < deadline) await sleep(100);
  stop.abort();
  await running;
  await consumer.close();
  writer.close();
  expect(sink.stats.files).toBeGreaterThan(0);
}
