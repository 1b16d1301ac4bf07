/**
 * The embedded default's run history: `batch_runs` as an append-only NDJSON file beside the
 * DuckDB warehouse, one line when a run starts and one when it ends. Appending a short line is
 * one write, so a crash leaves at worst a run that never ended (shown as running); a torn last
 * line is skipped on read. Small by nature: a run a night.
 */
import { appendFile, mkdir, readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { endFields, type BatchRunDoc, type RunHistory } from "./runs.ts";

/** Where the embedded warehouse keeps its run history. */
export const runHistoryFile = (dataDir: string) => join(dataDir, "warehouse", "batch_runs.ndjson");

type Line = { start: BatchRunDoc } | { end: string; fields: Partial<BatchRunDoc> };

async function readRuns(path: string): Promise<BatchRunDoc[]> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
  const runs = new Map<string, BatchRunDoc>();
  for (const raw of text.split("\n")) {
    if (raw === "") continue;
    let line: Line;
    try {
      line = JSON.parse(raw) as Line;
    } catch {
      continue; // a line torn by a crash mid-append
    }
    if ("start" in line) runs.set(line.start._id, revive(line.start));
    else {
      const run = runs.get(line.end);
      if (run) Object.assign(run, revive(line.fields as BatchRunDoc));
    }
  }
  return [...runs.values()];
}

function revive<T extends Partial<BatchRunDoc>>(doc: T): T {
  const out = { ...doc };
  if (typeof out.started_at === "string") out.started_at = new Date(out.started_at);
  if (typeof out.finished_at === "string") out.finished_at = new Date(out.finished_at);
  return out;
}

const newestFirst = (a: BatchRunDoc, b: BatchRunDoc) =>
  b.started_at.getTime() - a.started_at.getTime() || (a._id < b._id ? 1 : a._id > b._id ? -1 : 0);

export function fileRunHistory(path: string): RunHistory {
  const append = async (line: Line) => {
    await mkdir(dirname(path), { recursive: true });
    await appendFile(path, `${JSON.stringify(line)}\n`);
  };
  return {
    start: (run) =>
      append({
        start: {
          _id: run.id,
          job: run.job,
          snapshot_date: run.date,
          status: "running",
          started_at: new Date(),
        },
      }),
    end: (id, outcome) => append({ end: id, fields: endFields(outcome) }),
    async succeededSince(date, job, since) {
      return (await readRuns(path)).find(
        (r) => r.snapshot_date === date && r.job === job && r.status === "succeeded" && r.started_at >= since,
      );
    },
    async list(query) {
      const after = query.after;
      return (await readRuns(path))
        .filter((r) => query.job === undefined || r.job === query.job)
        .filter((r) => query.status === undefined || r.status === query.status)
        .filter(
          (r) =>
            !after ||
            r.started_at < after.started_at ||
            (r.started_at.getTime() === after.started_at.getTime() && r._id < after.id),
        )
        .sort(newestFirst)
        .slice(0, query.limit);
    },
  };
}
