/**
 * `batch_runs` (SPEC section 6): one document per job run, written when it starts and updated
 * when it ends, with its status, timings, row counts and data-test results per model, or the
 * error that stopped it.
 */
import type { Db } from "mongodb";

export interface BatchRunDoc {
  _id: string;
  job: string;
  snapshot_date: string;
  status: "running" | "succeeded" | "failed";
  started_at: Date;
  finished_at?: Date;
  duration_ms?: number;
  models?: { model: string; rows: number; ms: number; tests: { name: string; failures: number }[] }[];
  row_counts?: Record<string, number>;
  error?: string;
}

export const BATCH_RUNS = "batch_runs";

export async function recordStart(db: Db, run: { id: string; job: string; date: string }): Promise<void> {
  await db.collection<BatchRunDoc>(BATCH_RUNS).insertOne({
    _id: run.id,
    job: run.job,
    snapshot_date: run.date,
    status: "running",
    started_at: new Date(),
  });
}

export async function recordEnd(
  db: Db,
  id: string,
  outcome: Pick<BatchRunDoc, "status" | "models" | "error"> & { startedAt: number },
): Promise<void> {
  const finished = new Date();
  await db.collection<BatchRunDoc>(BATCH_RUNS).updateOne(
    { _id: id },
    {
      $set: {
        status: outcome.status,
        finished_at: finished,
        duration_ms: finished.getTime() - outcome.startedAt,
        ...(outcome.models
          ? {
              models: outcome.models,
              row_counts: Object.fromEntries(outcome.models.map((m) => [m.model, m.rows])),
            }
          : {}),
        ...(outcome.error ? { error: outcome.error } : {}),
      },
    },
  );
}
