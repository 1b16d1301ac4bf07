// The overview page: each panel reads one or two /v1 routes with the session cookie and
// redraws every few seconds. Query parameters: `to` (ISO time: a fixed end for the event-time
// panels, to look at a past hour), `minutes` (window length, 60), `refresh` (seconds, 5).

const params = new URLSearchParams(location.search);
const whole = (raw, fallback, min, max) => {
  const n = Number(raw);
  return raw !== null && Number.isInteger(n) && n >= min && n <= max ? n : fallback;
};
const minutes = whole(params.get("minutes"), 60, 1, 24 * 60);
const refreshMs = whole(params.get("refresh"), 5, 1, 300) * 1000;
const fixedEnd = params.get("to") === null ? undefined : new Date(params.get("to"));
const MINUTE = 60_000;

/** The event-time window: the last `minutes` up to the end of the current minute, or up to `to`. */
function eventWindow() {
  const to =
    fixedEnd && !Number.isNaN(fixedEnd.getTime())
      ? fixedEnd
      : new Date(Math.floor(Date.now() / MINUTE) * MINUTE + MINUTE);
  const from = new Date(to.getTime() - minutes * MINUTE);
  return { from, to, query: `from=${from.toISOString()}&to=${to.toISOString()}` };
}

class ApiError extends Error {
  constructor(status, detail) {
    super(detail);
    this.status = status;
  }
}

async function getJson(url) {
  const res = await fetch(url, { credentials: "same-origin", headers: { accept: "application/json" } });
  if (res.status === 401) {
    location.assign(`/login${location.search}`);
    throw new ApiError(401, "signed out");
  }
  if (!res.ok) {
    const problem = await res.json().catch(() => ({}));
    throw new ApiError(res.status, problem.detail || res.statusText);
  }
  return res.json();
}

// ------------------------------------------------------------------ formatting

const money = (s) =>
  Number(s).toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const count = (n) => Number(n).toLocaleString("en-US");
const percent = (r) => (r === null ? "–" : `${(r * 100).toFixed(1)}%`);
const clock = (iso) => iso.slice(11, 19);

function figure(name, text, value) {
  const el = document.querySelector(`[data-figure="${name}"]`);
  el.textContent = text;
  el.dataset.value = String(value);
}

function rows(panel, records, cells) {
  const body = panel.querySelector("tbody");
  body.replaceChildren(
    ...records.map((r) => {
      const tr = document.createElement("tr");
      for (const text of cells(r)) {
        const td = document.createElement("td");
        td.textContent = text;
        tr.append(td);
      }
      return tr;
    }),
  );
}

// ------------------------------------------------------------------ charts (uPlot)

const charts = new Map();
const sizeOf = (el) => ({ width: Math.max(200, el.clientWidth), height: 200 });

function draw(el, key, makeOptions, data) {
  const current = charts.get(el);
  if (current && current.key === key) {
    current.plot.setData(data);
    return;
  }
  current?.plot.destroy();
  const plot = new uPlot({ ...sizeOf(el), ...makeOptions() }, data, el);
  charts.set(el, { key, plot });
  resized.observe(el);
}

// A chart drawn while its panel was hidden (loading, error) takes its width once it shows.
const resized = new ResizeObserver((entries) => {
  for (const { target } of entries) {
    const chart = charts.get(target);
    const size = sizeOf(target);
    if (chart && chart.plot.width !== size.width) chart.plot.setSize(size);
  }
});

function lineChart(el, label, xs, ys) {
  draw(
    el,
    `line:${label}`,
    () => ({
      legend: { show: false },
      scales: { x: { time: true } },
      axes: [{}, { size: 70, values: (_u, ticks) => ticks.map((t) => count(t)) }],
      series: [{}, { label, stroke: "#2563eb", width: 2, fill: "rgba(37, 99, 235, 0.12)" }],
    }),
    [xs, ys],
  );
}

function barChart(el, labels, values, color) {
  const xs = labels.map((_, i) => i);
  draw(
    el,
    `bars:${labels.join("|")}`,
    () => ({
      legend: { show: false },
      // Room on the right for the last rotated label.
      padding: [8, labels.length > 4 ? 84 : 8, 0, 0],
      scales: {
        x: { time: false, range: [-0.5, labels.length - 0.5] },
        y: { range: (_u, _min, max) => [0, max * 1.1 || 1] },
      },
      axes: [
        {
          splits: () => xs,
          values: (_u, ticks) => ticks.map((t) => labels[t] ?? ""),
          rotate: labels.length > 4 ? -30 : 0,
          size: labels.length > 4 ? 70 : 40,
          gap: 4,
        },
        { size: 60, values: (_u, ticks) => ticks.map((t) => count(t)) },
      ],
      series: [
        {},
        { stroke: color, fill: color, paths: uPlot.paths.bars({ size: [0.6, 80] }), points: { show: false } },
      ],
    }),
    [xs, values],
  );
}

// ------------------------------------------------------------------ panels

const EMPTY = Symbol("empty");

const panels = {
  async health(panel) {
    const [ops, runs] = await Promise.allSettled([
      getJson("/v1/realtime/operations"),
      getJson("/v1/warehouse/batch-runs?limit=1"),
    ]);
    if (ops.status === "rejected") throw ops.reason;
    const run = runs.status === "fulfilled" ? runs.value.data[0] : undefined;
    figure(
      "batch-last",
      run
        ? `${run.job} ${run.snapshot_date}: ${run.status}${run.duration_ms === null ? "" : ` in ${(run.duration_ms / 1000).toFixed(1)} s`}`
        : runs.status === "rejected"
          ? `unavailable (${runs.reason.message})`
          : "none yet",
      run ? run.run_id : "",
    );
    if (ops.value.topics.length === 0) return EMPTY;
    rows(panel, ops.value.topics, (t) => [
      t.topic,
      t.events_per_second.toFixed(1),
      t.current_lag === null ? "–" : count(t.current_lag),
      count(t.dlq),
      count(t.late),
    ]);
  },

  async revenue(panel, win) {
    const sales = await getJson(`/v1/realtime/sales/minutely?${win.query}`);
    figure("revenue", money(sales.totals.revenue), sales.totals.revenue);
    figure("orders", count(sales.totals.transactions), sales.totals.transactions);
    figure(
      "avg-order",
      sales.totals.avg_value === null ? "–" : money(sales.totals.avg_value),
      sales.totals.avg_value,
    );
    if (sales.series.length === 0) return EMPTY;
    lineChart(
      panel.querySelector(".chart"),
      "revenue",
      sales.series.map((s) => Date.parse(s.bucket_start) / 1000),
      sales.series.map((s) => Number(s.revenue)),
    );
  },

  async funnel(panel, win) {
    const { totals } = await getJson(`/v1/realtime/funnel?${win.query}`);
    if (totals.views + totals.cart_adds + totals.purchases === 0) return EMPTY;
    figure("views", count(totals.views), totals.views);
    figure("cart-adds", `${count(totals.cart_adds)} (${percent(totals.view_to_cart)})`, totals.cart_adds);
    figure("purchases", `${count(totals.purchases)} (${percent(totals.cart_to_purchase)})`, totals.purchases);
    figure("conversion", percent(totals.view_to_purchase), totals.view_to_purchase);
    barChart(
      panel.querySelector(".chart"),
      ["views", "cart adds", "purchases"],
      [totals.views, totals.cart_adds, totals.purchases],
      "#7c3aed",
    );
  },

  async segments(panel) {
    let page;
    try {
      page = await getJson("/v1/warehouse/rfm/segments?limit=100");
    } catch (err) {
      if (err.status === 404) return EMPTY; // no snapshot published yet
      throw err;
    }
    if (page.data.length === 0) return EMPTY;
    figure("snapshot", `snapshot ${page.snapshot_date}`, page.snapshot_date);
    const sorted = [...page.data].sort((a, b) => b.customers - a.customers);
    barChart(
      panel.querySelector(".chart"),
      sorted.map((s) => s.segment),
      sorted.map((s) => s.customers),
      "#059669",
    );
  },

  async anomalies(panel, win) {
    const page = await getJson(`/v1/realtime/anomalies?limit=10&${win.query}`);
    if (page.data.length === 0) return EMPTY;
    rows(panel, page.data, (a) => [
      clock(a.event_time),
      a.anomaly_type,
      a.score.toFixed(2),
      money(a.amount),
      a.description,
    ]);
  },

  async alerts(panel) {
    const page = await getJson("/v1/realtime/inventory/alerts?limit=10");
    if (page.data.length === 0) return EMPTY;
    rows(panel, page.data, (a) => [
      a.name,
      a.level,
      `${count(a.current_quantity ?? a.quantity)} / ${count(a.threshold)}`,
    ]);
  },
};

const EMPTY_TEXT = {
  health: "No events processed in the last hour yet.",
  revenue: "No sales in this window yet: they appear within seconds of being produced.",
  funnel: "No views, carts or purchases in this window yet.",
  segments: "No warehouse snapshot yet: the batch publishes one for each closed day.",
  anomalies: "No anomalies in this window.",
  alerts: "No product is low on stock.",
};

function show(panel, state, message = "") {
  panel.dataset.state = state;
  const box = panel.querySelector(".state");
  box.textContent = message;
  box.className = `state ${state}`;
  box.hidden = state === "ok";
  panel.querySelector(".body").hidden = state !== "ok";
}

async function refreshPanel(panel, win) {
  try {
    const result = await panels[panel.id](panel, win);
    if (result === EMPTY) show(panel, "empty", EMPTY_TEXT[panel.id]);
    else show(panel, "ok");
    return undefined;
  } catch (err) {
    if (err.status === 401) return undefined;
    if (err.status === 403) {
      show(panel, "forbidden", `This key may not read this panel: ${err.message}`);
      return undefined;
    }
    show(
      panel,
      "error",
      err.status ? `${err.message} (HTTP ${err.status}); retrying` : "The API does not answer; retrying",
    );
    return err;
  }
}

/** Names the stores /readyz says are down, for the banner. */
async function unreadyStores() {
  try {
    const res = await fetch("/readyz", { headers: { accept: "application/json" } });
    const body = await res.json();
    return Object.entries(body.checks ?? {})
      .filter(([, c]) => !c.ok)
      .map(([name, c]) => `${name} (${c.error ?? "down"})`);
  } catch {
    return ["the API itself"];
  }
}

async function refresh() {
  const win = eventWindow();
  document.getElementById("window").textContent =
    `${win.from.toISOString().slice(0, 16)}–${win.to.toISOString().slice(11, 16)} UTC`;
  const failures = (
    await Promise.all([...document.querySelectorAll("[data-panel]")].map((p) => refreshPanel(p, win)))
  ).filter(Boolean);
  const banner = document.getElementById("banner");
  if (failures.length === 0) {
    banner.hidden = true;
    document.body.dataset.state = "ok";
  } else {
    const down = await unreadyStores();
    banner.textContent = down.length
      ? `Unavailable: ${down.join(", ")}. The panels that need it retry every ${refreshMs / 1000} s.`
      : `Some panels failed to load; retrying every ${refreshMs / 1000} s.`;
    banner.hidden = false;
    document.body.dataset.state = "error";
  }
  document.getElementById("updated").textContent = `updated ${new Date().toISOString().slice(11, 19)}`;
  document.body.dataset.refreshes = String(Number(document.body.dataset.refreshes ?? 0) + 1);
}

document.getElementById("sign-out").addEventListener("click", async () => {
  await fetch("/v1/session", { method: "DELETE", credentials: "same-origin" });
  location.assign("/login");
});

async function loop() {
  await refresh();
  setTimeout(loop, refreshMs);
}
for (const panel of document.querySelectorAll("[data-panel]")) show(panel, "loading", "Loading…");
void loop();
