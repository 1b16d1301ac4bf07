/**
 * The long chaos run (issue 18): the whole pipeline on the real local servers under a seeded
 * fault schedule, then the end state checked against everything accepted. Stops the local
 * servers one by one, so nothing else may use them meanwhile (not during a CI run).
 *
 *   npm run services:start
 *   node bin/run-ts.mjs bench/chaos/chaos.ts --kills 20 --rate 3000   # ~36 minutes
 *   node bin/run-ts.mjs bench/chaos/chaos.ts --short                  # every fault kind once, ~7 minutes
 *
 * Exit 1 when any check failed; a failed run keeps its schema, topics and logs for a look.
 */
import { tmpdir } from "node:os";
import { parseArgs } from "node:util";
import { renderReport } from "./report.ts";
import { chaosRun, SHORT_RUN } from "./run.ts";

const { values } = parseArgs({
  options: {
    seed: { type: "string", default: "18" },
    rate: { type: "string", default: "3000" },
    kills: { type: "string", default: "20" },
    outage: { type: "string", default: "30" },
    pause: { type: "string", default: "35" },
    settle: { type: "string", default: "50" },
    start: { type: "string", default: "30" },
    "max-recovery": { type: "string", default: "120" },
    dir: { type: "string", default: tmpdir() },
    /** Every fault kind once with shorter outages: the variant meant for CI (bench/README.md). */
    short: { type: "boolean", default: false },
  },
});

if (process.getuid?.() !== 0) {
  console.error("bench/chaos needs root: its unwritable-lake fault uses chattr +i on MinIO's directory");
  process.exit(2);
}
// Node 20 is supported until the AWS SDK drops it (docs/decisions.md D7): no notice per client.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
const report = await chaosRun({
  ...(values.short
    ? SHORT_RUN
    : {
        seed: Number(values.seed),
        rate: Number(values.rate),
        kills: Number(values.kills),
        outageMs: Number(values.outage) * 1000,
        pauseMs: Number(values.pause) * 1000,
        settleMs: Number(values.settle) * 1000,
        startMs: Number(values.start) * 1000,
        maxRecoveryMs: Number(values["max-recovery"]) * 1000,
      }),
  workDir: values.dir,
  log: (line) => console.log(`[chaos] ${line}`),
});
console.log(renderReport(report).join("\n"));
process.exitCode = report.problems.length === 0 ? 0 : 1;
