/**
 * The API's behaviour on a seeded pipeline run, shared by both stacks (PGlite + DuckDB, and
 * Postgres + MongoDB-wire): every route documented and answering by its schema, figures equal
 * to the tables they come from, cursor walks across publishes, conditional requests, and the
 * OWASP API Top 10 items that apply.
 */
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { request } from "node:http";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KeyRing, parseApiKeys } from "../../core/api-keys.ts";
import type { Sql } from "../../core/db/sql.ts";
import { createLogger } from "../../core/logger.ts";
import { sqlString } from "../../core/sql-literal.ts";
import type { Dataset } from "../../stream/testing/harness.ts";
import { cents } from "../params.ts";
import type { Api } from "../routes/context.ts";
import { cachedWarehouse } from "../stores/snapshot-cache.ts";
import { buildApi, routesOf } from "../server.ts";
import type { RealtimeDb } from "../stores/realtime.ts";
import type { WarehouseStore } from "../stores/warehouse.ts";
import { WAREHOUSE_TABLES } from "../../batch/models.ts";
import { DAY, SNAPSHOT, type SeededWarehouse } from "./seeded.ts";

export const logger = createLogger({ level: process.env.TEST_LOG_LEVEL ?? "silent" });

export interface Stack {
  ds: Dataset;
  /** The database as its owner, for the checks. */
  sql: Sql;
  realtime: RealtimeDb;
  warehouse: WarehouseStore;
  seeded: SeededWarehouse;
  close(): Promise<void>;
}

const KEYS = "all:k-all,rt:k-rt:realtime:read,wh:k-wh:warehouse:read,ops:k-ops:ops:read";

export function apiFor(
  s: Pick<Stack, "realtime" | "warehouse">,
  rateLimitPerMinute = 0,
  warehouse: WarehouseStore = cachedWarehouse(s.warehouse, { lookupRows: 10_000, residentRows: 1_000_000 }),
): Promise<Api> {
  return buildApi({
    realtime: s.realtime,
    // As `lakehouse api` runs it: every publish and walk test also proves the cache never serves stale rows.
    warehouse,
    keys: new KeyRing(parseApiKeys(KEYS, "test")),
    logger,
    maxRangeMs: 7 * 86_400_000,
    rateLimitPerMinute,
  });
}

type Json = Record<string, unknown> & { data?: Record<string, unknown>[]; next_cursor?: string | null };

interface OpenApiOperation {
  parameters?: { name: string; in: string }[];
  responses: Record<string, { content?: Record<string, { schema: object }> }>;
}

/** The gold table's rows straight from its Parquet snapshot in the lake. */
export async function goldRows(lakeDir: string, table: string): Promise<Record<string, unknown>[]> {
  const db = await DuckDBInstance.create(":memory:");
  const conn = await db.connect();
  try {
    const file = join(lakeDir, "gold", table, `snapshot=${SNAPSHOT}`, "part-0.parquet");
    const r = await conn.runAndReadAll(`SELECT to_json(t)::VARCHAR FROM read_parquet(${sqlString(file)}) t`);
    return r.getRowsJS().map((row) => JSON.parse(row[0] as string) as Record<string, unknown>);
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function apiSuite(name: string, enabled: boolean, open: () => Promise<Stack>): void {
  describe.skipIf(!enabled)(name, { timeout: 240_000 }, () => {
    let s: Stack;
    let app: Api;
    let user: string;
    let product: string;

    beforeAll(async () => {
      s = await open();
      app = await apiFor(s);
      user = String((await goldRows(s.seeded.lakeDir, "rfm_customers"))[0]!.user_id);
      product = String((await goldRows(s.seeded.lakeDir, "product_performance"))[0]!.product_id);
    }, 240_000);
    afterAll(async () => {
      await app?.close();
      await s?.close();
    });

    const get = async (url: string, key = "k-all", headers: Record<string, string> = {}) => {
      const res = await app.inject({ url, headers: { "x-api-key": key, ...headers } });
      return { status: res.statusCode, body: res.body, headers: res.headers, json: () => res.json<Json>() };
    };
    const walk = async (url: string, limit: number, between?: (page: number) => Promise<void>) => {
      const rows: Record<string, unknown>[] = [];
      let cursor: string | null | undefined;
      for (let page = 0; page === 0 || cursor; page++) {
        const sep = url.includes("?") ? "&" : "?";
        const res = await get(`${url}${sep}limit=${limit}${cursor ? `&cursor=${cursor}` : ""}`);
        expect(res.status, res.body).toBe(200);
        rows.push(...res.json().data!);
        cursor = res.json().next_cursor;
        await between?.(page);
      }
      return rows;
    };
    const fill = (path: string) => path.replace("{user_id}", user).replace("{product_id}", product);

    it("documents every route, and each answers 200 with a body its schema accepts", async () => {
      const doc = app.swagger() as unknown as { paths: Record<string, Record<string, OpenApiOperation>> };
      const documented = Object.entries(doc.paths).flatMap(([p, ops]) =>
        Object.keys(ops).map((m) => `${m.toUpperCase()} ${p.replace(/\{(\w+)\}/g, ":$1")}`),
      );
      expect(routesOf(app).sort()).toEqual(documented.sort());
      const ajv = new Ajv2020({ strict: false, allErrors: true });
      addFormats.default(ajv);
      for (const [path, { get: op }] of Object.entries(doc.paths)) {
        if (!op) continue;
        const ranged = op.parameters?.some((p) => p.name === "from") && path.startsWith("/v1/realtime");
        const res = await get(`${fill(path)}${ranged ? `?from=${DAY.from}&to=${DAY.to}` : ""}`);
        expect(res.status, `${path}: ${res.body}`).toBe(200);
        const schema = op.responses["200"]?.content?.["application/json"]?.schema;
        if (!schema) continue; // /metrics is text
        const validate = ajv.compile(schema);
        expect(validate(res.json()), `${path}: ${ajv.errorsText(validate.errors)}`).toBe(true);
      }
    });

    it("gives the figures of the tables it reads, to the cent", async () => {
      const one = async (q: string) => (await s.sql.query<Record<string, string>>(q)).rows[0]!;
      const hour = { from: "2026-11-01T12:00:00Z", to: "2026-11-01T13:00:00Z" };
      const hourly = (await get(`/v1/realtime/sales/hourly?from=${hour.from}&to=${hour.to}`)).json();
      const expected = await one(
        `SELECT sum(revenue)::text AS revenue, sum(units)::text AS units FROM sales_metrics
         WHERE window_start >= '${hour.from}' AND window_start < '${hour.to}'`,
      );
      expect(cents((hourly.totals as { revenue: string }).revenue)).toBe(cents(expected.revenue));
      expect(cents((hourly.totals as { revenue: string }).revenue)).toBeGreaterThan(0n);
      expect((hourly.series as { revenue: string }[])[0]!.revenue).toBe(
        (hourly.totals as { revenue: string }).revenue,
      );
      expect((hourly.totals as { units: number }).units).toBe(Number(expected.units));

      const minutes = (
        await get(`/v1/realtime/sales/minutely?from=${DAY.from}&to=${DAY.to}&country=UK`)
      ).json();
      const uk = await one(
        `SELECT count(DISTINCT window_start)::text AS n, sum(revenue)::text AS revenue FROM sales_metrics WHERE country = 'UK'`,
      );
      expect((minutes.series as unknown[]).length).toBe(Number(uk.n));
      expect(cents((minutes.totals as { revenue: string }).revenue)).toBe(cents(uk.revenue));
      // One category alone reads the rollups, a category and a country the cells: both agree.
      const { category } = await one(
        `SELECT category FROM sales_metrics WHERE country = 'UK' GROUP BY 1 ORDER BY sum(revenue) DESC LIMIT 1`,
      );
      for (const filter of [
        `category=${encodeURIComponent(category!)}`,
        `category=${encodeURIComponent(category!)}&country=UK`,
      ]) {
        const got = (await get(`/v1/realtime/sales/hourly?from=${DAY.from}&to=${DAY.to}&${filter}`)).json();
        const want = await one(
          `SELECT sum(revenue)::text AS revenue, sum(transactions)::text AS transactions FROM sales_metrics
           WHERE category = '${category}'${filter.includes("country") ? " AND country = 'UK'" : ""}`,
        );
        expect(cents((got.totals as { revenue: string }).revenue), filter).toBe(cents(want.revenue));
        expect((got.totals as { transactions: number }).transactions, filter).toBe(Number(want.transactions));
      }

      const funnel = (await get(`/v1/realtime/funnel?from=${DAY.from}&to=${DAY.to}`)).json();
      const f = await one(
        `SELECT sum(views)::text AS views, sum(purchases)::text AS purchases FROM funnel_metrics WHERE window_start < '${DAY.to}'`,
      );
      expect(funnel.totals).toMatchObject({ views: Number(f.views), purchases: Number(f.purchases) });

      const anomalies = await walk(`/v1/realtime/anomalies?from=${DAY.from}&to=${DAY.to}`, 7);
      const a = await one(
        `SELECT count(*)::text AS n FROM transaction_anomalies WHERE event_time < '${DAY.to}'`,
      );
      expect(anomalies.length).toBe(Number(a.n));
      expect(anomalies.length).toBeGreaterThan(7);
      expect(
        new Set(anomalies.map((r) => `${String(r.transaction_id)}/${String(r.anomaly_type)}`)).size,
      ).toBe(anomalies.length);

      const payments = (await get(`/v1/realtime/payments?from=${DAY.from}&to=${DAY.to}`)).json();
      const p = await one(
        `SELECT sum(amount)::text AS amount FROM payment_metrics WHERE window_start < '${DAY.to}'`,
      );
      expect((payments.data as { amount: string }[]).reduce((n, r) => n + cents(r.amount), 0n)).toBe(
        cents(p.amount),
      );

      const reasons = (await get(`/v1/realtime/refunds/reasons?from=${DAY.from}&to=${DAY.to}`)).json();
      const rr = await one(
        `SELECT sum(amount)::text AS amount, sum(refunds)::text AS n FROM refund_metrics WHERE window_start < '${DAY.to}'`,
      );
      const byReason = reasons.data as { refunds: number; amount: string }[];
      expect(byReason.reduce((n, r) => n + cents(r.amount), 0n)).toBe(cents(rr.amount));
      expect(byReason.reduce((n, r) => n + r.refunds, 0)).toBe(Number(rr.n));
      expect(Number(rr.n)).toBeGreaterThan(0);

      const gold = (await goldRows(s.seeded.lakeDir, "rfm_customers")).find((r) => r.user_id === user)!;
      const rfm = (await get(`/v1/warehouse/rfm/customers/${user}`)).json();
      expect(rfm.data).toMatchObject({
        user_id: user,
        segment: gold.segment,
        frequency: gold.frequency,
        r_score: gold.r_score,
        recency_days: gold.recency_days,
      });
      expect(cents((rfm.data as unknown as { monetary: string }).monetary)).toBe(cents(gold.monetary));
      expect(rfm.snapshot_date).toBe(SNAPSHOT);

      const daily = await walk("/v1/warehouse/daily-sales", 97);
      const goldDaily = await goldRows(s.seeded.lakeDir, "daily_sales");
      expect(daily.length).toBe(goldDaily.length);
      const sum = (rows: Record<string, unknown>[]) => rows.reduce((n, r) => n + cents(r.revenue), 0n);
      expect(sum(daily)).toBe(sum(goldDaily));

      const top = await walk("/v1/warehouse/products?sort=revenue", 40);
      expect(top.length).toBe((await goldRows(s.seeded.lakeDir, "product_performance")).length);
      for (let i = 1; i < top.length; i++)
        expect(cents(top[i - 1]!.revenue) >= cents(top[i]!.revenue)).toBe(true);
    });

    it("walks every row exactly once while new snapshots are published, then refuses a cursor whose snapshot is gone", async () => {
      const expected = (await goldRows(s.seeded.lakeDir, "rfm_customers"))
        .map((r) => String(r.user_id))
        .sort();
      const first = await get("/v1/warehouse/rfm/customers?limit=25");
      const startedOn = first.json().snapshot_id;
      const rows = await walk("/v1/warehouse/rfm/customers", 25, async (page) => {
        if (page === 1) {
          await s.seeded.publish(); // a new snapshot mid-walk
          await sleep(1100); // the API looks at the pointers at most once a second
        }
      });
      const ids = rows.map((r) => String(r.user_id));
      expect(ids.length).toBe(expected.length);
      expect([...new Set(ids)].sort()).toEqual(expected);
      const now = await get("/v1/warehouse/rfm/customers?limit=25");
      expect(now.json().snapshot_id).not.toBe(startedOn);
      // A cursor on the snapshot before the previous one: that snapshot is no longer kept.
      const stale = first.json().next_cursor!;
      await s.seeded.publish();
      await sleep(1100);
      const gone = await get(`/v1/warehouse/rfm/customers?limit=25&cursor=${stale}`);
      expect(gone.status, gone.body).toBe(409);
      expect(gone.headers["content-type"]).toMatch(/application\/problem\+json/);
    });

    it("answers from the snapshots it holds in memory exactly what the store answers", async () => {
      const reads: string[] = [];
      const counted: WarehouseStore = {
        ...s.warehouse,
        kind: s.warehouse.kind,
        runs: s.warehouse.runs,
        current: (t) => s.warehouse.current(t),
        find: (t, snap, q) => (reads.push(t), s.warehouse.find(t, snap, q)),
        readAll: (t, snap, max) => s.warehouse.readAll(t, snap, max),
        ping: () => s.warehouse.ping(),
        close: async () => {},
      };
      const resident = cachedWarehouse(counted, { lookupRows: 0, residentRows: 1_000_000 });
      const memory = await apiFor(s, 0, resident);
      const plain = await apiFor(s, 0, { ...counted, find: (t, snap, q) => s.warehouse.find(t, snap, q) });
      try {
        for (const table of Object.keys(WAREHOUSE_TABLES)) await resident.current(table);
        await resident.settled();
        const users = (await goldRows(s.seeded.lakeDir, "rfm_customers"))
          .slice(0, 5)
          .map((r) => String(r.user_id));
        const category = String((await goldRows(s.seeded.lakeDir, "daily_sales"))[0]!.category);
        const paths = [
          ...users.flatMap((u) => [`/v1/warehouse/rfm/customers/${u}`, `/v1/warehouse/customers/${u}`]),
          `/v1/warehouse/customers/00000000-0000-4000-8000-000000000000`,
          `/v1/warehouse/products/${product}`,
          "/v1/warehouse/rfm/segments",
          "/v1/warehouse/rfm/customers?segment=Champions",
          "/v1/warehouse/products?sort=conversion",
          `/v1/warehouse/products?sort=units&category=${encodeURIComponent(category)}`,
          `/v1/warehouse/daily-sales?from=2026-11-02&to=2026-11-03&category=${encodeURIComponent(category)}`,
          "/v1/warehouse/daily-sales?country=UK",
          "/v1/warehouse/cohorts",
          "/v1/warehouse/funnel-daily",
        ];
        const each = async (api: Api, path: string) => {
          const pages: string[] = [];
          let url: string | undefined = `${path}${path.includes("?") ? "&" : "?"}limit=13`;
          while (url) {
            const res: { statusCode: number; body: string } = await api.inject({
              url,
              headers: { "x-api-key": "k-all" },
            });
            pages.push(`${res.statusCode} ${res.body}`);
            const next: string | undefined =
              res.statusCode === 200 ? ((JSON.parse(res.body) as Json).next_cursor ?? undefined) : undefined;
            url = next ? `${path}${path.includes("?") ? "&" : "?"}limit=13&cursor=${next}` : undefined;
          }
          return pages;
        };
        reads.length = 0;
        for (const path of paths) {
          const fromMemory = await each(memory, path);
          expect(fromMemory, path).toEqual(await each(plain, path));
          expect(fromMemory.length, path).toBeGreaterThan(0);
        }
        expect(reads, "the held snapshots answered every query").toEqual([]);
      } finally {
        await memory.close();
        await plain.close();
      }
    });

    it("answers 304 to a client that has the current snapshot", async () => {
      const first = await get(`/v1/warehouse/customers/${user}`);
      expect(first.status).toBe(200);
      const etag = String(first.headers.etag);
      expect(etag).toMatch(/^W\/"customer_360\./);
      const again = await get(`/v1/warehouse/customers/${user}`, "k-all", { "if-none-match": etag });
      expect(again.status).toBe(304);
      expect(again.body).toBe("");
    });

    describe("OWASP API Security Top 10 (2023)", () => {
      it("API2 broken authentication: no key or a wrong key is 401", async () => {
        for (const headers of [
          {},
          { "x-api-key": "" },
          { "x-api-key": "k-al" },
          { authorization: "Bearer nope" },
        ]) {
          const res = await app.inject({ url: "/v1/realtime/funnel", headers });
          expect(res.statusCode).toBe(401);
          expect(res.json()).toMatchObject({ status: 401, code: "UNAUTHORIZED" });
        }
        expect(
          (await app.inject({ url: "/v1/realtime/funnel", headers: { authorization: "Bearer k-rt" } }))
            .statusCode,
        ).toBe(200);
      });

      it("API9 inventory: the overview page's folder serves its own files, not the tests beside them", async () => {
        for (const path of [
          "/assets/overview.js",
          "/assets/overview.css",
          "/assets/login.js",
          "/assets/vendor/uPlot.iife.min.js",
        ])
          expect((await app.inject({ url: path })).statusCode, path).toBe(200);
        for (const path of [
          "/assets/overview.integration.test.ts",
          "/assets/testing/browser.ts",
          "/assets/vendor/uPlot.d.ts",
          "/assets/../../package.json",
        ])
          expect((await app.inject({ url: path })).statusCode, path).toBe(404);
        const page = await app.inject({ url: "/" });
        expect(page.statusCode).toBe(303);
        expect(page.headers.location).toBe("/login");
      });

      it("API5 function-level authorization: a key without the route's scope is 403", async () => {
        expect((await get(`/v1/warehouse/customers/${user}`, "k-rt")).status).toBe(403);
        expect((await get("/v1/realtime/funnel", "k-wh")).status).toBe(403);
        expect((await get("/v1/realtime/operations", "k-rt")).status).toBe(403);
        expect((await get("/metrics", "k-rt")).status).toBe(403);
        expect((await get("/metrics", "k-ops")).status).toBe(200);
      });

      it("API8 injection: hostile strings in every parameter of every route are 400 and change nothing", async () => {
        const before = await s.sql.query<{ n: string }>("SELECT count(*)::text AS n FROM sales_metrics");
        const doc = app.swagger() as { paths: Record<string, { get: OpenApiOperation }> };
        const hostile = [
          "' OR 1=1 --",
          "; DROP TABLE sales_metrics",
          "\u0000",
          "Ünïcødé 🛒",
          "<script>x</script>",
          "1e309",
          "-1",
        ];
        let cases = 0;
        for (const [path, { get: op }] of Object.entries(doc.paths)) {
          for (const param of op.parameters ?? []) {
            for (const value of hostile) {
              const v = encodeURIComponent(value);
              const url =
                param.in === "path"
                  ? fill(path).replace(param.name === "user_id" ? user : product, v)
                  : `${fill(path)}?${param.name}=${v}`;
              if (
                param.name === "cursor" ||
                param.in === "path" ||
                !["limit", "min_score", "min_value"].includes(param.name) ||
                !/^-?[\d.e]+$/.test(value)
              ) {
                const res = await get(url, "k-all");
                // A number parameter takes "-1" or "1e309" only inside its bounds: both are out of them.
                expect(res.status, `${url}: ${res.body}`).toBe(path === "/metrics" ? 400 : 400);
                const body = res.json();
                expect(body.code).toBe("VALIDATION_FAILED");
                expect((body.errors as { field: string }[])[0]!.field).toBe(param.name);
                cases++;
              }
            }
          }
        }
        expect(cases).toBeGreaterThan(150);
        const after = await s.sql.query<{ n: string }>("SELECT count(*)::text AS n FROM sales_metrics");
        expect(after.rows).toEqual(before.rows);
      });

      it("API4 resource consumption: page size, time span, unknown parameters and a 10 MB query are refused", async () => {
        const page = (await get("/v1/realtime/anomalies?limit=1001")).json();
        expect(page).toMatchObject({ status: 400, errors: [{ field: "limit" }] });
        const span = (
          await get("/v1/realtime/funnel?from=2026-01-01T00:00:00Z&to=2026-03-01T00:00:00Z")
        ).json();
        expect(span).toMatchObject({ status: 400, errors: [{ field: "from" }] });
        expect(
          (await get("/v1/realtime/funnel?from=2026-11-02T00:00:00Z&to=2026-11-01T00:00:00Z")).status,
        ).toBe(400);
        expect((await get("/v1/realtime/funnel?debug=1")).json()).toMatchObject({
          errors: [{ field: "debug" }],
        });
        expect((await get("/v1/realtime/funnel?from=a&from=b")).status).toBe(400);
        // Through a real socket: Node's own header limit, answered as a problem, not a reset.
        const address = await app.listen({ port: 0, host: "127.0.0.1" });
        const huge = await new Promise<{ status: number; body: string }>((resolve, reject) => {
          const req = request(
            `${address}/v1/realtime/funnel?category=${"x".repeat(10 * 1024 * 1024)}`,
            { headers: { "x-api-key": "k-all" } },
            (res) => {
              let body = "";
              res.on("data", (c: Buffer) => (body += c.toString()));
              res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
            },
          );
          req.on("error", reject);
          req.end();
        });
        expect(huge.status).toBe(400);
        expect(JSON.parse(huge.body)).toMatchObject({ errors: [{ field: "url" }] });
      });

      it("API4 rate limit: past the per-key limit a request is 429 with Retry-After", async () => {
        const limited = await apiFor(s, 5);
        try {
          const statuses: number[] = [];
          let last: Awaited<ReturnType<typeof limited.inject>> | undefined;
          for (let i = 0; i < 7; i++) {
            last = await limited.inject({ url: "/healthz", headers: { "x-api-key": "k-all" } });
            statuses.push(last.statusCode);
          }
          expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);
          expect(Number(last!.headers["retry-after"])).toBeGreaterThan(0);
          expect(last!.json()).toMatchObject({ status: 429, code: "RATE_LIMITED" });
          // Another key has its own budget.
          expect(
            (await limited.inject({ url: "/healthz", headers: { "x-api-key": "k-rt" } })).statusCode,
          ).toBe(200);
        } finally {
          await limited.close();
        }
      });

      it("API8 misconfiguration: no stack, SQL or server message in any error; security headers set", async () => {
        const broken = await buildApi({
          realtime: {
            query: () =>
              Promise.reject(new Error('relation "secret_table" does not exist: SELECT * FROM secret_table')),
            ping: () => Promise.reject(new Error("boom at /srv/app.js:1")),
            close: async () => {},
          },
          warehouse: s.warehouse,
          keys: new KeyRing(parseApiKeys(KEYS, "test")),
          logger,
          maxRangeMs: 86_400_000,
          rateLimitPerMinute: 0,
        });
        try {
          const res = await broken.inject({ url: "/v1/realtime/funnel", headers: { "x-api-key": "k-all" } });
          expect(res.statusCode).toBe(500);
          expect(res.body).not.toMatch(/secret_table|SELECT|\bat \/|\.ts:\d/);
          expect(res.json()).toMatchObject({
            status: 500,
            code: "INTERNAL",
            detail: "an internal error occurred",
          });
          const ready = await broken.inject({ url: "/readyz" });
          expect(ready.statusCode).toBe(503);
          expect(ready.body).not.toMatch(/boom|srv/);
        } finally {
          await broken.close();
        }
        const res = await get("/v1/realtime/funnel");
        expect(res.headers["x-content-type-options"]).toBe("nosniff");
        expect(res.headers["strict-transport-security"]).toBeDefined();
        expect(res.headers["access-control-allow-origin"]).toBeUndefined(); // CORS off by default
        expect((await get("/no/such/route")).json()).toMatchObject({ status: 404, code: "NOT_FOUND" });
      });

      it("API3 property-level authorization: responses carry only the fields their schema lists", async () => {
        const stock = (await get("/v1/realtime/inventory?limit=1")).json().data![0]!;
        expect(Object.keys(stock).sort()).toEqual([
          "category",
          "level",
          "name",
          "product_id",
          "quantity",
          "updated_at",
        ]);
        const rfm = (await get(`/v1/warehouse/rfm/customers/${user}`)).json().data as unknown as Record<
          string,
          unknown
        >;
        expect(rfm).not.toHaveProperty("_id");
        expect(rfm).not.toHaveProperty("snapshot_date");
      });

      it("least privilege: the API's database role can neither write nor read pipeline state", async () => {
        await expect(s.realtime.query("INSERT INTO refund_metrics VALUES (now(), 1, 1)")).rejects.toThrow(
          /read-only|permission denied/,
        );
        await expect(s.realtime.query("DELETE FROM sales_metrics")).rejects.toThrow(
          /read-only|permission denied/,
        );
        for (const table of [
          "stream_offsets",
          "stream_state_log",
          "stream_shards",
          "stream_dead_letters",
          "late_events",
          "users",
        ])
          await expect(s.realtime.query(`SELECT * FROM ${table} LIMIT 1`), table).rejects.toThrow(
            /permission denied/,
          );
        expect(await s.realtime.query("SELECT count(*) FROM sales_metrics")).toHaveLength(1);
      });
    });
  });
}
