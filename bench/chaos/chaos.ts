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
 * Interrupted (Ctrl-C), it stops its processes and lifts the faults first, then exits 130.
 */
import { tmpdir } from "node:os";
import { parseFlags, parseNumber } from "../../cli/args.ts";
import { renderReport } from "./report.ts";
import { chaosRun, SHORT_RUN } from "./run.ts";

const fail = (message: string, code: number): never => {
  console.error(`bench/chaos: ${message}`);
  process.exit(code);
};

/** The value, or one line on stderr and exit 2 for a mistyped flag. */
function checked<T>(read: () => T): T {
  try {
    return read();
  } catch (err) {
    return fail((err as Error).message, 2);
  }
}

const flags = checked(() =>
  parseFlags(process.argv.slice(2), {
    seed: { type: "string", default: "18" },
    rate: { type: "string", default: "3000" },
    kills: { type: "string", default: "20" },
    outage: { type: "string", default: "30" },
    pause: { type: "string", default: "35" },
    settle: { type: "string", default: "50" },
    start: { type: "string", default: "30" },
    "max-recovery": { type: "string", default: "120" },
    dir: { type: "string", default: tmpdir() },
    /** Every fault kind once with shorter outages: SHORT_RUN, the CI variant's schedule. */
    short: { type: "boolean", default: false },
  }),
);
const seconds = (flag: keyof typeof flags) => parseNumber(flag, String(flags[flag]), { min: 1 }) * 1000;

if (process.getuid?.() !== 0)
  fail("needs root: its unwritable-lake fault uses chattr +i on MinIO's directory", 2);
// Node 20 is supported until the AWS SDK drops it (docs/decisions.md D7): no notice per client.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
const options = checked(() =>
  flags.short
    ? SHORT_RUN
    : {
        seed: parseNumber("seed", flags.seed),
        rate: parseNumber("rate", flags.rate, { min: 1 }),
        kills: parseNumber("kills", flags.kills, { min: 5 }),
        outageMs: seconds("outage"),
        pauseMs: seconds("pause"),
        settleMs: seconds("settle"),
        startMs: seconds("start"),
        maxRecoveryMs: seconds("max-recovery"),
      },
);
// A server that is not running, a failed setup: one line (the run's logs are named above).
const report = await chaosRun({
  ...options,
  workDir: flags.dir,
  log: (line) => console.log(`[chaos] ${line}`),
  // Ctrl-C mid-fault must not leave a server stopped, the lake read-only or children running.
  onInterrupt: (undo) => {
    const stop = (signal: NodeJS.Signals) => {
      console.log(`[chaos] ${signal}: stopping the processes and lifting the faults`);
      void undo().finally(() => process.exit(130));
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  },
}).catch((err: Error) => fail(err.message, 1));
console.log(renderReport(report).join("\n"));
process.exitCode = report.problems.length === 0 ? 0 : 1;
