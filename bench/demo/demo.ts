/**
 * `npm start` from an empty DATA_DIR, timed as a new user meets it: the real `lakehouse demo`
 * as a child process with its defaults, no servers. Prints when the API first shows real-time
 * data, when every backfilled day is in the warehouse, then for `--seconds` of real time how
 * long one event takes from its POST to the demo's collector to its row in the API (a 9000.00
 * order for a probe user, seen as a high_value anomaly), and the process's peak RSS.
 *
 *   node bin/run-ts.mjs bench/demo/demo.ts [--seconds 60]    # how long to watch real time after the backfill
 */
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { sleep } from "../../core/retry.ts";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "60" },
    port: { type: "string", default: "18099" },
    "collector-port": { type: "string", default: "18098" },
  },
});
const ROOT = new URL("../..", import.meta.url).pathname;
const KEY = "bench-demo-key";
const port = Number(values.port);
const dataDir = mkdtempSync(join(tmpdir(), "bench-demo-"));
const env: NodeJS.ProcessEnv = {
  ...process.env,
  DATA_DIR: dataDir,
  API_KEYS: `bench:${KEY}`,
  LOG_LEVEL: "warn",
};
for (const name of ["KAFKA_BROKERS", "DATABASE_URL", "MONGO_URL", "LAKE_URI"]) delete env[name];

const started = performance.now();
const collectorPort = Number(values["collector-port"]);
const child = spawn(
  process.execPath,
  [
    join(ROOT, "bin/lakehouse.mjs"),
    "demo",
    "--port",
    String(port),
    "--collector-port",
    String(collectorPort),
  ],
  { env, stdio: "ignore" },
);
const since = () => (performance.now() - started) / 1000;
const get = async (path: string) => {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { headers: { "x-api-key": KEY } });
  return (await res.json()) as Record<string, unknown>;
};
let peak = 0;
const sample = () => {
  try {
    peak = Math.max(
      peak,
      Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, "utf8"))![1]),
    );
  } catch {
    // exited
  }
};
const day = 86_400_000;
const range = `from=${new Date(Date.now() - 4 * day).toISOString()}&to=${new Date(Date.now() + 60_000).toISOString()}`;

let apiUp = 0;
let firstData = 0;
let warehouse = 0;
while (warehouse === 0 && since() < 600) {
  sample();
  try {
    if (apiUp === 0) {
      await get("/healthz");
      apiUp = since();
    }
    if (
      firstData === 0 &&
      ((await get(`/v1/realtime/funnel?${range}`)).totals as { views: number }).views > 0
    )
      firstData = since();
    const runs = (await get("/v1/warehouse/batch-runs?status=succeeded")).data as unknown[];
    if (runs.length >= 3) warehouse = since();
  } catch {
    // not listening yet
  }
  await sleep(250);
}
console.log(
  `API answering after ${apiUp.toFixed(1)} s; first real-time data after ${firstData.toFixed(1)} s; the 3 backfilled days in the warehouse after ${warehouse.toFixed(1)} s`,
);

// Real time: one probe event a second, from its POST to its row in the API.
const product = (
  JSON.parse(readFileSync(join(dataDir, "demo", "products.ndjson"), "utf8").split("\n")[0]!) as {
    product_id: string;
  }
).product_id;
const probeUser = randomUUID();
const latencies: number[] = [];
let missed = 0;
const until = performance.now() + Number(values.seconds) * 1000;
while (performance.now() < until) {
  sample();
  const id = randomUUID();
  const sent = performance.now();
  const event = {
    transaction_id: id,
    user_id: probeUser,
    session_id: null,
    timestamp: new Date().toISOString(),
    products: [{ product_id: product, quantity: 1, price: 9000 }],
    total_amount: 9000,
    payment_method: "credit_card",
    country: "UK",
  };
  const posted = await fetch(`http://127.0.0.1:${collectorPort}/v1/events`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-api-key": KEY },
    body: JSON.stringify([{ topic: "transactions", value: event }]),
  });
  if (posted.status !== 202) throw new Error(`collector answered ${posted.status}: ${await posted.text()}`);
  const window = `from=${new Date(Date.now() - 3_600_000).toISOString()}&to=${new Date(Date.now() + 60_000).toISOString()}`;
  let seen = false;
  while (!seen && performance.now() - sent < 30_000) {
    const a = (await get(`/v1/realtime/anomalies?user_id=${probeUser}&${window}`)).data as {
      transaction_id: string;
    }[];
    seen = a.some((r) => r.transaction_id === id);
    if (!seen) await sleep(20);
  }
  if (seen) latencies.push(performance.now() - sent);
  else missed++;
  await sleep(Math.max(0, 1000 - (performance.now() - sent)));
}
latencies.sort((a, b) => a - b);
const pct = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN;
console.log(
  `real time for ${values.seconds} s: ${latencies.length} probe events, POST -> visible in the API ` +
    `p50 ${pct(0.5).toFixed(0)} ms, p99 ${pct(0.99).toFixed(0)} ms, max ${pct(1).toFixed(0)} ms` +
    `${missed ? `, ${missed} not seen within 30 s` : ""}; peak RSS ${Math.round(peak / 1024)} MB`,
);
child.kill("SIGINT");
await new Promise((r) => child.on("exit", r));
console.log(`stopped cleanly after ${since().toFixed(1)} s; data in ${dataDir}`);
