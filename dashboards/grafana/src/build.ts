/**
 * Writes dashboards/grafana/dashboards/*.json from the typed sources (npm run dashboards:build).
 * `--check` writes nothing and exits 1 when a file differs from its source.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { DASHBOARDS } from "./all.ts";

export const OUT_DIR = fileURLToPath(new URL("../dashboards/", import.meta.url));

export const render = (d: unknown): string => `${JSON.stringify(d, null, 2)}\n`;

const check = process.argv.includes("--check");
const stale: string[] = [];
for (const [file, dashboard] of Object.entries(DASHBOARDS)) {
  const path = `${OUT_DIR}${file}`;
  const text = render(dashboard);
  let current = "";
  try {
    current = readFileSync(path, "utf8");
  } catch {
    // not built yet
  }
  if (current === text) continue;
  if (check) stale.push(file);
  else writeFileSync(path, text);
}
if (stale.length > 0) {
  console.error(`out of date: ${stale.join(", ")}; run npm run dashboards:build`);
  process.exitCode = 1;
}
