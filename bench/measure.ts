/** Small helpers shared by the benchmarks. */
import { resourceUsage } from "node:process";

/** Peak resident set size of this process so far, in MB. */
export function peakRssMb(): number {
  return Math.round(resourceUsage().maxRSS / 1024);
}

/** p-th percentile (0-100) of a list of numbers. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Runs a flag parser; a mistake in the flags is one line on stderr and exit 2, not a stack. */
export function parsedOrExit<T>(parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    console.error((err as Error).message);
    process.exit(2);
  }
}
