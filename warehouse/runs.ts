/**
 * `batch_runs` (SPEC section 6): one record per job run, written when it starts and completed
 * when it ends, with its status, timings, row counts and data-test results per model, or the
 * error that stopped it. Two stores behind one port: the MongoDB collection (full stack) and an
 * append-only file beside the embedded DuckDB warehouse (runs-file.ts).
 */
import type { Db, Filter } from "mongodb";

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

export type RunOutcome = Pick<BatchRunDoc, "status" | "models" | "error"> & { startedAt: number };

export interface RunQuery {
  job?: string;
  status?: BatchRunDoc["status"];
  /** Keyset: runs strictly after this one in newest-first order. */
  after?: { started_at: Date; id: string };
  limit: number;
}

export interface RunHistory {
  start(run: { id: string; job: string; date: string }): Promise<void>;
  end(id: string, outcome: RunOutcome): Promise<void>;
  /** A run of `job` for `date` that succeeded and started at or after `since`. */
  succeededSince(date: string, job: string, since: Date): Promise<BatchRunDoc | undefined>;
  /** Newest first (started_at, then id, descending). */
  list(query: RunQuery): Promise<BatchRunDoc[]>;
}

export const BATCH_RUNS = "batch_runs";

/** The fields an ended run sets. */
export function endFields(outcome: RunOutcome, finished = new Date()): Partial<BatchRunDoc> {
  return {
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
  };
}

export function mongoRunHistory(db: Db): RunHistory {
  const runs = db.collection<BatchRunDoc>(BATCH_RUNS);
  return {
    async start(run) {
      await runs.insertOne({
        _id: run.id,
        job: run.job,
        snapshot_date: run.date,
        status: "running",
        started_at: new Date(),
      });
    },
    async end(id, outcome) {
      await runs.updateOne({ _id: id }, { $set: endFields(outcome) });
    },
    async succeededSince(date, job, since) {
      const found = await runs.findOne({
        snapshot_date: date,
        job,
        status: "succeeded",
        started_at: { $gte: since },
      });
      return found ?? undefined;
    },
    async list(query) {
      const filter: Filter<BatchRunDoc> = {};
      if (query.job !== undefined) filter.job = query.job;
      if (query.status !== undefined) filter.status = query.status;
      if (query.after)
        filter.$or = [
          { started_at: { $lt: query.after.started_at } },
          { started_at: query.after.started_at, _id: { $lt: query.after.id } },
        ];
      return runs.find(filter).sort({ started_at: -1, _id: -1 }).limit(query.limit).toArray();
    },
  };
}
