/**
 * The overview page against `npm start` itself: a child process on a fresh DATA_DIR with no
 * server variables, its page opened in Debian's Chromium with the key the demo was given. The
 * backfilled day shows the figures the demo's API answers; the live page fills in from the
 * real-time feed.
 */
import { mkdirSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_KEY, startDemo, stopDemo, until, type Running } from "../../cli/demo/testing/run-demo.ts";
import type { DemoState } from "../../cli/demo/state.ts";
import { requireChromium } from "../../core/local-servers.ts";
import { figure, launch, paintedCanvases, signIn, waitForStates } from "./testing/browser.ts";
import { sleep } from "../../core/retry.ts";

const chromiumPath = requireChromium();
const FLAGS = ["--days", "1", "--per-day", "1500", "--users", "5000", "--products", "500", "--rate", "20"];
const SHOTS = join(process.cwd(), "test-results");
const DAY = 86_400_000;

describe.skipIf(!chromiumPath)("the overview page on npm start", { timeout: 400_000 }, () => {
  let demo: Running;
  let browser: Browser;
  let base: string;
  let dataDir: string;

  const api = async <T>(path: string): Promise<{ status: number; body: T }> => {
    const res = await fetch(`${base}${path}`, { headers: { "x-api-key": DEMO_KEY } });
    return { status: res.status, body: (await res.json()) as T };
  };

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    dataDir = mkdtempSync(join(tmpdir(), "demo-page-"));
    demo = await startDemo(dataDir, FLAGS);
    base = `http://127.0.0.1:${demo.port}`;
    await until(
      "the demo's first batch",
      async () => {
        const runs = await api<{ data: unknown[] }>("/v1/warehouse/batch-runs?status=succeeded");
        return runs.status === 200 && runs.body.data.length > 0;
      },
      300_000,
    );
    browser = await launch(chromiumPath!);
  }, 400_000);
  afterAll(async () => {
    await browser?.close();
    if (demo) expect(await stopDemo(demo, "SIGINT"), demo.output()).toBe(0);
  });

  it("shows the backfilled day as the demo's API answers it, every chart drawn", async () => {
    const state = JSON.parse(readFileSync(join(dataDir, "demo", "state.json"), "utf8")) as DemoState;
    const to = new Date(state.params.until).toISOString();
    const window = `from=${new Date(state.params.until - DAY).toISOString()}&to=${to}`;
    type Sales = { totals: { revenue: string; transactions: number } };
    // The stream has caught up on the backfill when two reads a few seconds apart agree.
    let last = "";
    await until("the backfilled day in the stream tables", async () => {
      const now = JSON.stringify((await api<Sales>(`/v1/realtime/sales/minutely?${window}`)).body.totals);
      const settled = now === last;
      last = now;
      if (!settled) await sleep(2000);
      return settled;
    });

    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await signIn(page, base, DEMO_KEY, `/?to=${to}&minutes=1440&refresh=2`);
    const states = await waitForStates(
      page,
      (s) =>
        ["health", "revenue", "funnel", "segments"].every((p) => s[p] === "ok") &&
        ["anomalies", "alerts"].every((p) => s[p] === "ok" || s[p] === "empty"),
      60_000,
    );
    expect(Object.keys(states)).toHaveLength(6);
    const { totals } = (await api<Sales>(`/v1/realtime/sales/minutely?${window}`)).body;
    expect((await figure(page, "revenue")).value).toBe(totals.revenue);
    expect(Number((await figure(page, "orders")).value)).toBe(totals.transactions);
    const segments = (await api<{ snapshot_date: string }>("/v1/warehouse/rfm/segments")).body;
    expect((await figure(page, "snapshot")).value).toBe(segments.snapshot_date);
    expect((await paintedCanvases(page)).painted).toBe(3);
    await page.screenshot({ path: join(SHOTS, "overview-demo.png"), fullPage: true });
    expect(errors).toEqual([]);
    await context.close();
  });

  it("fills the live page from the real-time feed", async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const page = await context.newPage();
    await signIn(page, base, DEMO_KEY, "/?refresh=2");
    await waitForStates(page, (s) => s.revenue === "ok" && s.health === "ok" && s.funnel === "ok", 120_000);
    expect(Number((await figure(page, "orders")).value)).toBeGreaterThan(0);
    await page.screenshot({ path: join(SHOTS, "overview-demo-live.png"), fullPage: true });
    await context.close();
  });
});
