/** The batch run history (batch_runs): latest first, by job and status. */
import { Type } from "@sinclair/typebox";
import { plan } from "../../../batch/models.ts";
import { Nullable, OneOf, Day, PageQuery, Timestamp } from "../../params.ts";
import { badField } from "../../problem.ts";
import type { Api, ApiContext } from "../context.ts";
import { page, pageRequest } from "../page.ts";

const Run = Type.Object({
  run_id: Type.String(),
  job: Type.String(),
  snapshot_date: Day,
  status: Type.String(),
  started_at: Timestamp,
  finished_at: Nullable(Timestamp),
  duration_ms: Nullable(Type.Integer()),
  row_counts: Type.Record(Type.String(), Type.Integer()),
  tests: Type.Array(Type.Object({ model: Type.String(), name: Type.String(), failures: Type.Integer() })),
  error: Nullable(Type.String()),
});

function instantOf(value: unknown): Date {
  const d = new Date(String(value));
  if (Number.isNaN(d.getTime())) throw badField("cursor", "is not a cursor this query returned");
  return d;
}

const JOBS = ["all", ...plan(undefined).map((m) => m.name)];

export function batchRunRoutes(app: Api, ctx: ApiContext): void {
  app.get(
    "/v1/warehouse/batch-runs",
    {
      config: { scope: "warehouse:read" },
      schema: {
        tags: ["warehouse"],
        summary: "Every batch run, latest first: status, timings, row counts, data-test results, error",
        querystring: Type.Object(
          {
            job: Type.Optional(OneOf(JOBS)),
            status: Type.Optional(OneOf(["running", "succeeded", "failed"] as const)),
            ...PageQuery,
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ data: Type.Array(Run), next_cursor: Nullable(Type.String()) }),
        },
      },
    },
    async (req) => {
      const request = pageRequest("/v1/warehouse/batch-runs", req.query, ["string", "string"]);
      const after = request.cursor?.after;
      const runs = await ctx.warehouse.runs.list({
        ...(req.query.job ? { job: req.query.job } : {}),
        ...(req.query.status ? { status: req.query.status } : {}),
        ...(after ? { after: { started_at: instantOf(after[0]), id: String(after[1]) } } : {}),
        limit: request.limit + 1,
      });
      return page(
        runs,
        request,
        (r) => [r.started_at.toISOString(), r._id],
        (r) => ({
          run_id: r._id,
          job: r.job,
          snapshot_date: r.snapshot_date,
          status: r.status,
          started_at: r.started_at.toISOString(),
          finished_at: r.finished_at ? r.finished_at.toISOString() : null,
          duration_ms: r.duration_ms ?? null,
          row_counts: r.row_counts ?? {},
          tests: (r.models ?? []).flatMap((m) => m.tests.map((t) => ({ model: m.model, ...t }))),
          error: r.error ?? null,
        }),
      );
    },
  );
}
