/**
 * Generation only: the journey simulator plus JSON serialisation, no I/O.
 *
 *   node bin/run-ts.mjs bench/ingest/generate.ts [--days 3] [--per-day 100000] [--users 10000000] [--products 250000]
 */
import { simulatorFor } from "../../ingest/generate.ts";
import { peakRssMb } from "../measure.ts";
import { backfillWorkload } from "./workload.ts";

const simulator = simulatorFor(backfillWorkload().options);
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
