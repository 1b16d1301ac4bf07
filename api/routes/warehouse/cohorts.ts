/** Monthly cohort retention (cohort_retention). */
import { Type } from "@sinclair/typebox";
import { Day, num, PageQuery, SnapshotPage } from "../../params.ts";
import type { Api, ApiContext } from "../context.ts";
import { snapshotPage } from "./snapshot.ts";

const Cohort = Type.Object({
  cohort_month: Day,
  months_since_first: Type.Integer(),
  cohort_size: Type.Integer(),
  active_customers: Type.Integer(),
  retention: Type.Number(),
});

export function cohortRoutes(app: Api, ctx: ApiContext): void {
  app.get(
    "/v1/warehouse/cohorts",
    {
      config: { scope: "warehouse:read" },
      schema: {
        tags: ["warehouse"],
        summary: "Customers of each first-purchase month still buying N months later",
        querystring: Type.Object(
          {
            cohort_month: Type.Optional(
              Type.String({ pattern: "^\\d{4}-\\d{2}-01$", description: "YYYY-MM-01" }),
            ),
            ...PageQuery,
          },
          { additionalProperties: false },
        ),
        response: { 200: SnapshotPage(Cohort) },
      },
    },
    (req, reply) =>
      snapshotPage(ctx, req, reply, {
        route: "/v1/warehouse/cohorts",
        table: "cohort_retention",
        where: req.query.cohort_month
          ? [{ field: "cohort_month", op: "eq", value: req.query.cohort_month }]
          : [],
        order: [{ field: "cohort_month" }, { field: "months_since_first" }],
        keyTypes: ["string", "number"],
        map: (r) => ({
          cohort_month: String(r.cohort_month),
          months_since_first: num(r.months_since_first),
          cohort_size: num(r.cohort_size),
          active_customers: num(r.active_customers),
          retention: num(r.retention),
        }),
      }),
  );
}
