/**
 * What the demo keeps about itself under DATA_DIR: the parameters of its backfill (fixed at
 * the first start, so a restart regenerates exactly the same sequence), whether the backfill
 * is complete, and how many times it started (each start's real-time feed draws new ids).
 */
import { existsSync } from "node:fs";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";

export interface DemoParams {
  seed: number;
  days: number;
  users: number;
  products: number;
  perDay: number;
  /** The backfill covers [until - days, until): midnight UTC of the first start. */
  until: number;
}

export interface DemoState {
  params: DemoParams;
  backfillDone: boolean;
  starts: number;
}

export interface DemoPaths {
  root: string;
  state: string;
  journal: string;
  pglite: string;
  lake: string;
  warehouse: string;
  history: string;
  products: string;
  batch: string;
}

export function demoPaths(dataDir: string, lake: string): DemoPaths {
  const root = join(dataDir, "demo");
  return {
    root,
    state: join(root, "state.json"),
    journal: join(root, "log.journal"),
    pglite: join(dataDir, "pglite"),
    lake,
    warehouse: join(dataDir, "warehouse", "gold.duckdb"),
    history: join(dataDir, "warehouse", "batch_runs.ndjson"),
    products: join(root, "products.ndjson"),
    batch: join(dataDir, "batch"),
  };
}

export async function loadState(paths: DemoPaths, fresh: DemoParams): Promise<DemoState> {
  if (existsSync(paths.state)) return JSON.parse(await readFile(paths.state, "utf8")) as DemoState;
  return { params: fresh, backfillDone: false, starts: 0 };
}

export async function saveState(paths: DemoPaths, state: DemoState): Promise<void> {
  await mkdir(paths.root, { recursive: true });
  await writeFile(`${paths.state}.next`, JSON.stringify(state, null, 2));
  await rename(`${paths.state}.next`, paths.state);
}

/** Removes what the demo made, and only that: `--reset`. */
export async function resetDemo(paths: DemoPaths): Promise<void> {
  for (const dir of [paths.root, paths.pglite, paths.lake, join(paths.warehouse, ".."), paths.batch])
    await rm(dir, { recursive: true, force: true });
}
