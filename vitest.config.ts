import { defineConfig } from "vitest/config";

// Two projects: `unit` needs no server and runs in parallel; `integration` talks to the real
// local servers (npm run services:start) and runs one file at a time so that files do not
// fight over the same broker, database and bucket.
export default defineConfig({
  test: {
    // Node 20 is supported until the AWS SDK drops it (docs/decisions.md); keep test output clean.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: ["**/*.test.ts"],
          exclude: ["**/*.integration.test.ts", "node_modules/**", "data/**"],
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
