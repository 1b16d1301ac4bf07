/**
 * Generation only: the journey simulator plus JSON serialisation, no I/O.
 *
 *   node bin/run-ts.mjs bench/ingest/generate.ts [--days 3] [--per-day 100000] [--users 10000000] [--products 250000]
 */
import { parseArgs } from "node:util";
import { simulatorFor } from "../../ingest/generate.ts";
import { peakRssMb } from "../measure.ts";

const { values } = parseArgs({
  options: {
    days: { type: "string", default: "3" },
    "per-day": { type: "string", default: "100000" },
    users: { type: "string", default: "10000000" },
    products: { type: "string", default: "250000" },
  },
});
const simulator = simulatorFor({
  seed: 42,
  users: Number(values.users),
  products: Number(values.products),
  anomalyRate: 0.005,
  mode: {
    kind: "backfill",
    days: Number(values.days),
    until: Date.parse("2026-11-01T00:00:00Z"),
    transactionsPerDay: Number(values["per-day"]),
  },
});
const t0 = performance.now();
let events = 0;
let bytes = 0;
for (const e of simulator.events()) {
  bytes += JSON.stringify(e.value).length;
  events++;
}
const seconds = (performance.now() - t0) / 1000;
console.log(
  `generate: ${events} events in ${seconds.toFixed(2)} s = ${Math.round(events / seconds).toLocaleString("en")} events/s, ` +
    `${Math.round(bytes / events)} bytes/event, peak RSS ${peakRssMb()} MB`,
);
