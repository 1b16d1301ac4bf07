/**
 * `npm start` from an empty DATA_DIR, timed as a new user meets it: the real `lakehouse demo`
 * as a child process with its defaults, no servers. Prints when the API first shows real-time
 * data, when every backfilled day is in the warehouse, and the process's peak RSS.
 *
 *   node bin/run-ts.mjs bench/demo/demo.ts [--seconds 60]    # how long to watch real time after the backfill
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: { seconds: { type: "string", default: "60" }, port: { type: "string", default: "18099" } },
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
const child = spawn(process.execPath, [join(ROOT, "bin/lakehouse.mjs"), "demo", "--port", String(port)], {
  env,
  stdio: "ignore",
});
const since = () => (performance.now() - started) / 1000;
const get = async (path: string) => {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { headers: { "x-api-key": KEY } });
  return (await res.json()) as Record<string, unknown>;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
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

// Real time: how far the newest minute with data trails the clock.
const trails: number[] = [];
const until = performance.now() + Number(values.seconds) * 1000;
while (performance.now() < until) {
  sample();
  const f = await get(
    `/v1/realtime/funnel?from=${new Date(Date.now() - 10 * 60_000).toISOString()}&to=${new Date(Date.now() + 60_000).toISOString()}`,
  );
  const series = f.series as { bucket_start: string }[];
  if (series.length > 0)
    trails.push((Date.now() - Date.parse(series[series.length - 1]!.bucket_start)) / 1000);
  await sleep(1000);
}
trails.sort((a, b) => a - b);
console.log(
  `real time for ${values.seconds} s: the newest minute in the API trails the clock by ${trails[0]?.toFixed(1)}-${trails[trails.length - 1]?.toFixed(1)} s ` +
    `(a minute bucket is at most 60 s old by construction); peak RSS ${Math.round(peak / 1024)} MB`,
);
child.kill("SIGINT");
await new Promise((r) => child.on("exit", r));
console.log(`stopped cleanly after ${since().toFixed(1)} s; data in ${dataDir}`);
