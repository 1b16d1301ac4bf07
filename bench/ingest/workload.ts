/** The backfill workload the ingest benchmarks share: flags and generator options. */
import { parseArgs } from "node:util";
import type { GenerateOptions } from "../../ingest/generate.ts";

export function backfillWorkload(extra: Record<string, { type: "string"; default: string }> = {}) {
  const { values } = parseArgs({
    options: {
      days: { type: "string", default: "3" },
      "per-day": { type: "string", default: "100000" },
      users: { type: "string", default: "10000000" },
      products: { type: "string", default: "250000" },
      ...extra,
    },
  });
  const options: GenerateOptions = {
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
  };
  return { values: values as Record<string, string>, options };
}
