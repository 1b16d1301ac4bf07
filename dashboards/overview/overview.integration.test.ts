/// <reference lib="dom" />
/**
 * The overview page in a real browser (Debian's Chromium driven by playwright-core) against the
 * real API on Postgres and the MongoDB-wire warehouse after a seeded pipeline run: sign-in, the
 * figures beside what the API answers, every chart drawn, two screen sizes, the empty state of
 * a pipeline that has not run, and a store taken away and brought back. Screenshots of each
 * state go to test-results/.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { MongoClient } from "mongodb";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { localServers, requireChromium, requireServer } from "../../core/local-servers.ts";
import { testSchema, type TestSchema } from "../../stream/testing/harness.ts";
import type { Api } from "../../api/routes/context.ts";
import { MongoWarehouse } from "../../api/stores/mongo-warehouse.ts";
import { pgRealtime } from "../../api/stores/realtime.ts";
import { openFullStack, type FullStack } from "../../api/testing/full-stack.ts";
import { DAY, SNAPSHOT } from "../../api/testing/seeded.ts";
import { apiFor, logger } from "../../api/testing/suite.ts";
import { figure, launch, paintedCanvases, signIn, waitForStates } from "./testing/browser.ts";

const chromiumPath = requireChromium();
const available = (await requireServer("postgres")) && (await requireServer("mongo")) && !!chromiumPath;
const SHOTS = join(process.cwd(), "test-results");
// The seeded day's last 24 hours, refreshed every second so outages show quickly.
const PAGE = `/?to=${DAY.to}&minutes=1440&refresh=1`;
const WINDOW = `from=${DAY.from}&to=${DAY.to}`;

type List<T> = { data: T[] };

async function serve(app: Api): Promise<string> {
  return app.listen({ port: 0, host: "127.0.0.1" });
}

describe.skipIf(!available)("the overview page in Chromium", { timeout: 300_000 }, () => {
  let stack: FullStack;
  let app: Api;
  let base: string;
  let browser: Browser;
  const errors: string[] = [];

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    stack = await openFullStack();
    app = await apiFor(stack);
    base = await serve(app);
    browser = await launch(chromiumPath!);
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await stack?.close();
  });

  const api = async <T>(url: string): Promise<T> =>
    (await app.inject({ url, headers: { "x-api-key": "k-all" } })).json<T>();

  it("asks for a key, refuses a wrong one, and keeps the key out of the page", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${base}/`);
    expect(new URL(page.url()).pathname).toBe("/login");
    await page.fill("#key", "not-a-key");
    await page.click("button[type=submit]");
    await page.waitForSelector("#login-error:not([hidden])");
    expect(await page.textContent("#login-error")).toContain("not a valid API key");

    await page.fill("#key", "k-all");
    await Promise.all([page.waitForURL((u) => u.pathname === "/"), page.click("button[type=submit]")]);
    const cookie = (await context.cookies()).find((c) => c.name === "lakehouse_session")!;
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: "Strict" });
    expect(cookie.value).not.toContain("k-all");
    expect(await page.content()).not.toContain("k-all");
    expect(await page.evaluate(() => document.cookie)).not.toContain("lakehouse_session");

    // Signing out ends the session: the page sends the browser back to the form.
    await page.click("#sign-out");
    await page.waitForURL(/\/login/);
    await page.goto(`${base}/`);
    expect(new URL(page.url()).pathname).toBe("/login");
    await context.close();
  });

  it("shows the figures the API answers, draws every chart, at 1280x800 and 390x844", async () => {
    for (const [width, height] of [
      [1280, 800],
      [390, 844],
    ] as const) {
      const context = await browser.newContext({ viewport: { width, height } });
      const page = await context.newPage();
      page.on("console", (m) => {
        if (m.type() === "error") errors.push(m.text());
      });
      page.on("pageerror", (e) => errors.push(e.message));
      await signIn(page, base, "k-all", PAGE);
      const states = await waitForStates(page, (s) => Object.values(s).every((v) => v === "ok"));
      expect(Object.keys(states).sort()).toEqual([
        "alerts",
        "anomalies",
        "funnel",
        "health",
        "revenue",
        "segments",
      ]);

      const { totals } = await api<{ totals: { revenue: string; transactions: number; avg_value: string } }>(
        `/v1/realtime/sales/minutely?${WINDOW}`,
      );
      expect((await figure(page, "revenue")).value).toBe(totals.revenue);
      expect((await figure(page, "revenue")).text.replaceAll(",", "")).toBe(totals.revenue);
      expect(Number((await figure(page, "orders")).value)).toBe(totals.transactions);
      expect((await figure(page, "avg-order")).value).toBe(totals.avg_value);
      const funnel = (await api<{ totals: Record<string, number> }>(`/v1/realtime/funnel?${WINDOW}`)).totals;
      expect(Number((await figure(page, "views")).value)).toBe(funnel.views);
      expect(Number((await figure(page, "purchases")).value)).toBe(funnel.purchases);
      expect(Number((await figure(page, "conversion")).value)).toBe(funnel.view_to_purchase);
      expect((await figure(page, "snapshot")).value).toBe(SNAPSHOT);

      const anomalies = (
        await api<List<{ description: string }>>(`/v1/realtime/anomalies?limit=10&${WINDOW}`)
      ).data;
      const shown = await page.$$eval("#anomalies tbody tr", (trs) =>
        trs.map((tr) => tr.lastElementChild!.textContent),
      );
      expect(shown).toEqual(anomalies.map((a) => a.description));
      expect(shown.length).toBeGreaterThan(0);
      const alerts = (await api<List<{ name: string }>>("/v1/realtime/inventory/alerts?limit=10")).data;
      const alertNames = await page.$$eval("#alerts tbody tr", (trs) =>
        trs.map((tr) => tr.firstElementChild!.textContent),
      );
      expect(alertNames).toEqual(alerts.map((a) => a.name));
      const { topics } = await api<{ topics: { topic: string }[] }>("/v1/realtime/operations");
      const topicNames = await page.$$eval("#health tbody tr", (trs) =>
        trs.map((tr) => tr.firstElementChild!.textContent),
      );
      expect(topicNames).toEqual(topics.map((t) => t.topic));
      expect(topicNames.length).toBeGreaterThan(0);
      const run = (await api<List<{ run_id: string }>>("/v1/warehouse/batch-runs?limit=1")).data[0]!;
      expect((await figure(page, "batch-last")).value).toBe(run.run_id);

      // Three charts (revenue, funnel, segments), each with a painted canvas.
      const canvases = await paintedCanvases(page);
      expect(canvases.all).toBe(3);
      expect(canvases.painted).toBe(3);
      await page.screenshot({ path: join(SHOTS, `overview-${width}x${height}.png`), fullPage: true });
      // Nothing wider than the screen.
      const wider = await page.evaluate((w) => {
        const out = [...document.querySelectorAll("body *")].filter(
          (e) => e.getBoundingClientRect().right > w + 1,
        );
        return {
          scroll: document.documentElement.scrollWidth,
          elements: out.slice(0, 5).map((e) => `${e.tagName}#${e.id}.${e.className}`),
        };
      }, width);
      expect(wider.scroll, JSON.stringify(wider.elements)).toBeLessThanOrEqual(width);
      await context.close();
    }
    expect(errors).toEqual([]);
  });

  it("shows the store that went away, and recovers by itself when it is back", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await signIn(page, base, "k-all", PAGE);
    await waitForStates(page, (s) => Object.values(s).every((v) => v === "ok"));

    await stack.pgProxy.down();
    const during = await waitForStates(page, (s) => s.revenue === "error" && s.anomalies === "error");
    expect(during.segments).toBe("ok"); // the warehouse still answers
    await page.waitForSelector("#banner:not([hidden])");
    expect(await page.textContent("#banner")).toContain("postgres");
    expect(await page.textContent("#revenue .state")).toContain("503");
    await page.screenshot({ path: join(SHOTS, "overview-store-down.png"), fullPage: true });

    await stack.pgProxy.up();
    await waitForStates(page, (s) => Object.values(s).every((v) => v === "ok"));
    await page.waitForSelector("#banner", { state: "hidden" });
    expect((await paintedCanvases(page)).painted).toBe(3);
    await page.screenshot({ path: join(SHOTS, "overview-recovered.png"), fullPage: true });
    await context.close();
  });

  it("says plainly that there is no data yet on a pipeline that has not run", async () => {
    const servers = localServers();
    const schema: TestSchema = await testSchema(servers.databaseUrl, logger);
    const client = await new MongoClient(servers.mongoUrl).connect();
    const dbName = `empty_${randomBytes(4).toString("hex")}`;
    const url = new URL(servers.mongoUrl);
    url.pathname = `/${dbName}`;
    const stores = {
      realtime: pgRealtime(schema.url, logger, 2),
      warehouse: MongoWarehouse.open(url.toString()),
    };
    const empty = await apiFor(stores);
    try {
      const emptyBase = await serve(empty);
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      const page = await context.newPage();
      const pageErrors: string[] = [];
      page.on("pageerror", (e) => pageErrors.push(e.message));
      await signIn(page, emptyBase, "k-all", PAGE);
      const states = await waitForStates(page, (s) => Object.values(s).every((v) => v === "empty"));
      expect(Object.keys(states)).toHaveLength(6);
      expect(await page.textContent("#segments .state")).toContain("No warehouse snapshot yet");
      expect(await page.isHidden("#banner")).toBe(true);
      expect(pageErrors).toEqual([]);
      await page.screenshot({ path: join(SHOTS, "overview-empty.png"), fullPage: true });
      await context.close();
    } finally {
      await empty.close();
      await stores.realtime.close();
      await stores.warehouse.close();
      await client.db(dbName).dropDatabase();
      await client.close();
      await schema.drop();
    }
  });
});
