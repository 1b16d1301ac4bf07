/** The chaos run's table: faults by kind, each stage's recovery (p50/max), and the end state. */
import { table } from "../../ops/table.ts";
import { percentile } from "../measure.ts";
import { STAGES, type ChaosReport } from "./run.ts";

const seconds = (ms: number | undefined) => (ms === undefined ? "-" : (ms / 1000).toFixed(1));

export function renderReport(r: ChaosReport): string[] {
  const kinds = new Map<string, ChaosReport["faults"]>();
  for (const f of r.faults) {
    const kind = f.name.replace(/ \(.*\)$/, "");
    kinds.set(kind, [...(kinds.get(kind) ?? []), f]);
  }
  const rows = [...kinds].map(([kind, fs]) => [
    kind,
    String(fs.length),
    ...STAGES.map((stage) => {
      const ms = fs.map((f) => f.recovery[stage]).filter((x): x is number => x !== undefined);
      return ms.length === 0 ? "-" : `${seconds(percentile(ms, 50))} / ${seconds(Math.max(...ms))}`;
    }),
  ]);
  const kills = r.faults.filter((f) => f.kind === "kill").length;
  const byCode: Record<string, number> = {};
  for (const [key, n] of Object.entries(r.api.byStatus)) {
    const code = key.split(" ")[0]!;
    byCode[code] = (byCode[code] ?? 0) + n;
  }
  const notOk = Object.entries(r.api.byStatus)
    .filter(([key]) => !key.startsWith("2"))
    .map(([key, n]) => `${key} ${n}`);
  const lost = r.lake.lostEvents + r.lake.missingRecords;
  const doubled = r.lake.doubledRecords + r.lake.unknownEvents;
  const streamOff = Object.values(r.streamWrong).reduce((n, d) => n + d.extra + d.missing, 0);
  return [
    `chaos run ${r.run}: ${r.faults.length} faults (${kills} kills) in ${r.seconds} s`,
    "",
    "recovery after the fault was lifted, seconds until the stage moved again (p50 / max):",
    ...table(["fault", "n", ...STAGES], rows),
    "",
    `events accepted: ${r.accepted} (${r.direct} straight to Kafka, ${r.collector} through the collector, ` +
      `${r.collectorDuplicates} answered as duplicates of a retried request); producer retries ${r.producerRetries}`,
    `kafka records: ${r.kafkaRecords} (${r.lake.retriedCopies} retry copies of an accepted event, folded by id)`,
    `lost: ${lost}   duplicated: ${doubled}   (lake: ${r.lake.files} files, ${r.lake.overlappingFiles} overlapping)`,
    `stream: ${r.streamRows} golden rows, ${streamOff} rows differ` +
      (streamOff > 0 ? ` (${Object.keys(r.streamWrong).join(", ")})` : ""),
    `warehouse (snapshot ${r.warehouse.snapshot}): ${r.warehouse.customers} RFM customers, ${r.warehouse.rfmWrong} differ; ` +
      `${r.warehouse.salesCells} daily sales cells, ${r.warehouse.salesWrong} differ`,
    `api: ${r.api.answers} answers ${JSON.stringify(byCode)}; ${r.api.unexpected.length} unexpected; ` +
      `latency p50/p99 ${r.api.outside.p50.toFixed(1)}/${r.api.outside.p99.toFixed(1)} ms outside faults, ` +
      `${r.api.during.p50.toFixed(1)}/${r.api.during.p99.toFixed(1)} ms during`,
    `api answers other than 2xx, by route (0 = no answer): ${notOk.join(", ") || "none"}`,
    `restarts: ${Object.entries(r.restarts)
      .map(([n, c]) => `${n} ${c}`)
      .join(", ")}`,
    `restarts inside a process: ${r.inProcess.length === 0 ? "none" : r.inProcess.join("; ")}`,
    r.problems.length === 0 ? "PASS" : `FAIL:\n  ${r.problems.join("\n  ")}`,
  ];
}
