import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defineConfig } from "vitest/config";
import type { Reporter } from "vitest/node";

// Every temporary file of a test run (lakes, work dirs, server logs, chaos runs) goes under one
// directory: removed when the run passes, kept and named when it fails. Tests leave their
// directories behind on purpose (a failing test's files are what one looks at), which had
// grown /tmp by 9 GB over a few weeks of CI runs on one machine.
// Vitest evaluates this file more than once in its process: the first evaluation picks the directory.
const runTmp = (process.env.LAKEHOUSE_TEST_TMP ??= mkdtempSync(join(tmpdir(), "lakehouse-test-")));
const tmpCleanup: Reporter = {
  onTestRunEnd(_modules, _errors, reason) {
    if (reason === "passed") rmSync(runTmp, { recursive: true, force: true });
    else console.error(`temporary files of this run kept in ${runTmp}`);
  },
};

// Two projects: `unit` needs no server and runs in parallel; `integration` talks to the real
// local servers (npm run services:start) and runs one file at a time so that files do not
// fight over the same broker, database and bucket.
export default defineConfig({
  test: {
    reporters: ["default", tmpCleanup],
    env: {
      // Node 20 is supported until the AWS SDK drops it (docs/decisions.md); keep test output clean.
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
      // os.tmpdir() of the tests and of every process they start.
      TMPDIR: runTmp,
    },
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: ["**/*.test.ts"],
          exclude: ["**/*.integration.test.ts", "node_modules/**", "data/**"],
          // Not a speed goal: a test on PGlite starts a WASM Postgres and migrates it, which took
          // over vitest's default 5 s in a CI run sharing two cores with the integration suite.
          testTimeout: 30_000,
        },
      },
      {
        extends: true,
        test: {
          name: "integration",
          include: ["**/*.integration.test.ts"],
          exclude: ["node_modules/**", "data/**"],
          testTimeout: 60_000,
          hookTimeout: 60_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
