/**
 * The HTTP collector under load: `lakehouse ingest collect` runs as its own process against the
 * real local Kafka; this process posts NDJSON batches of generated events from `--clients`
 * concurrent connections and measures events/s and request latency (acknowledgement included).
 *
 *   KAFKA_BROKERS=127.0.0.1:9092 node bin/run-ts.mjs bench/ingest/collector.ts [--seconds 20] [--clients 16] [--batch 100]
 */
import { spawn } from "node:child_process";
import { parseArgs } from "node:util";
import { simulatorFor } from "../../ingest/generate.ts";
import { percentile } from "../measure.ts";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "20" },
    clients: { type: "string", default: "16" },
    batch: { type: "string", default: "100" },
    port: { type: "string", default: "18081" },
  },
});
const batchSize = Number(values.batch);
const port = Number(values.port);
const key = "bench-key";

// Bodies prepared up front: the load client should not be what limits the run.
const lines: string[] = [];
for (const e of simulatorFor({
  seed: 9,
  users: 1_000_000,
  products: 50_000,
  anomalyRate: 0,
  mode: { kind: "backfill", days: 1, until: Date.now() - 3_600_000, transactionsPerDay: 50_000 },
}).events()) {
  lines.push(JSON.stringify({ topic: e.topic, value: e.value }));
  if (lines.length === 200_000) break;
}
const bodies: string[] = [];
for (let i = 0; i + batchSize <= lines.length; i += batchSize)
  bodies.push(lines.slice(i, i + batchSize).join("\n"));

const server = spawn(
  process.execPath,
  ["bin/lakehouse.mjs", "ingest", "collect", "--port", String(port), "--host", "127.0.0.1"],
  {
    env: { ...process.env, API_KEYS: `bench:${key}`, LOG_LEVEL: "warn" },
    stdio: ["ignore", "inherit", "inherit"],
  },
);
for (let i = 0; ; i++) {
  try {
    if ((await fetch(`http://127.0.0.1:${port}/health`)).ok) break;
  } catch {
    if (i > 100) throw new Error("collector did not start");
    await new Promise((r) => setTimeout(r, 200));
  }
}

const latencies: number[] = [];
let events = 0;
let failures = 0;
let next = 0;
const deadline = performance.now() + Number(values.seconds) * 1000;
const t0 = performance.now();
await Promise.all(
  Array.from({ length: Number(values.clients) }, async () => {
    while (performance.now() < deadline && next < bodies.length) {
      const body = bodies[next++]!;
      const started = performance.now();
      const res = await fetch(`http://127.0.0.1:${port}/v1/events`, {
        method: "POST",
        body,
        headers: { "content-type": "application/x-ndjson", "x-api-key": key },
      });
      const result = (await res.json()) as { accepted?: number };
      latencies.push(performance.now() - started);
      if (res.status === 202) events += result.accepted ?? 0;
      else failures++;
    }
  }),
);
const seconds = (performance.now() - t0) / 1000;
server.kill("SIGTERM");
console.log(
  `collector: ${events} events accepted in ${seconds.toFixed(2)} s = ${Math.round(events / seconds).toLocaleString("en")} events/s ` +
    `(${values.clients} clients x ${batchSize}-event NDJSON requests), request p50 ${percentile(latencies, 50).toFixed(1)} ms, ` +
    `p99 ${percentile(latencies, 99).toFixed(1)} ms, ${failures} failed requests`,
);
