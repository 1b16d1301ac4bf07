/// <reference lib="dom" />
/**
 * Driving the overview page in Debian's Chromium (playwright-core, never a downloaded browser):
 * launch, sign in through the form, read the panels' states, figures and painted canvases.
 */
import { chromium, type Browser, type Page } from "playwright-core";

export async function launch(chromiumPath: string): Promise<Browser> {
  // The flags keep Chromium off the network this machine does not have (docs/decisions.md D23).
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/** Signs in through the login form, as a person would. */
export async function signIn(page: Page, base: string, key: string, path = "/"): Promise<void> {
  await page.goto(`${base}${path}`);
  await page.waitForURL(/\/login/);
  await page.fill("#key", key);
  await Promise.all([page.waitForURL((u) => u.pathname === "/"), page.click("button[type=submit]")]);
}

const panelStates = (page: Page) =>
  page.$$eval("[data-panel]", (els) =>
    Object.fromEntries(els.map((e) => [e.id, (e as HTMLElement).dataset.state])),
  );

export async function waitForStates(
  page: Page,
  expected: (states: Record<string, string | undefined>) => boolean,
  ms = 30_000,
) {
  const deadline = Date.now() + ms;
  for (;;) {
    const states = await panelStates(page);
    if (expected(states)) return states;
    if (Date.now() > deadline) throw new Error(`panels stayed ${JSON.stringify(states)}`);
    await page.waitForTimeout(200);
  }
}

/** Canvases with at least one painted pixel, and all canvases, on the page. */
export const paintedCanvases = (page: Page) =>
  page.$$eval("canvas", (canvases) => {
    const painted = canvases.filter((c) => {
      const { data } = c.getContext("2d")!.getImageData(0, 0, c.width, c.height);
      for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) return true;
      return false;
    });
    return { painted: painted.length, all: canvases.length };
  });

export const figure = (page: Page, name: string) =>
  page.$eval(`[data-figure="${name}"]`, (el) => ({
    text: el.textContent ?? "",
    value: (el as HTMLElement).dataset.value,
  }));
