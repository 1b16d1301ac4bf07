/** Sales per minute and per hour (sales_metrics, SPEC section 4), and the top categories or countries. */
import { Type } from "@sinclair/typebox";
import {
  Nullable,
  OneOf,
  Category,
  Country,
  iso,
  money,
  num,
  Money,
  TimeRangeQuery,
  Timestamp,
  timeRange,
} from "../../params.ts";
import { sqlFile, type Api, type ApiContext } from "../context.ts";

const SERIES = sqlFile("sales_series");
const TOP = sqlFile("sales_top");

const Figures = {
  revenue: Money,
  transactions: Type.Integer(),
  units: Type.Integer(),
  avg_value: Nullable(Money),
};
const SeriesResponse = Type.Object({
  from: Timestamp,
  to: Timestamp,
  totals: Type.Object(Figures),
  series: Type.Array(Type.Object({ bucket_start: Timestamp, ...Figures })),
});

interface Row {
  bucket: Date | null;
  revenue: string | null;
  transactions: string | number | null;
  units: string | number | null;
  avg_value: string | null;
}

const figures = (r: Row | undefined) => ({
  revenue: money(r?.revenue),
  transactions: num(r?.transactions),
  units: num(r?.units),
  avg_value: r?.avg_value === null || r?.avg_value === undefined ? null : money(r.avg_value),
});

export function salesRoutes(app: Api, ctx: ApiContext): void {
  const series = (bucket: "minute" | "hour") =>
    app.get(
      `/v1/realtime/sales/${bucket === "minute" ? "minutely" : "hourly"}`,
      {
        config: { scope: "realtime:read" },
        schema: {
          tags: ["real time"],
          summary: `Revenue, transactions and units per ${bucket} (event time)`,
          querystring: Type.Object(
            { ...TimeRangeQuery, category: Type.Optional(Category), country: Type.Optional(Country) },
            { additionalProperties: false },
          ),
          response: { 200: SeriesResponse },
        },
      },
      async (req) => {
        const range = timeRange(req.query, ctx.maxRangeMs, ctx.now());
        const rows = await ctx.realtime.query<Row>(SERIES, [
          range.from,
          range.to,
          bucket,
          req.query.category ?? null,
          req.query.country ?? null,
        ]);
        const total = rows.find((r) => r.bucket === null);
        return {
          from: range.from.toISOString(),
          to: range.to.toISOString(),
          totals: figures(total),
          series: rows
            .filter((r) => r.bucket !== null)
            .map((r) => ({ bucket_start: iso(r.bucket)!, ...figures(r) })),
        };
      },
    );
  series("minute");
  series("hour");

  app.get(
    "/v1/realtime/sales/top",
    {
      config: { scope: "realtime:read" },
      schema: {
        tags: ["real time"],
        summary: "The categories or countries with the most revenue in a range",
        querystring: Type.Object(
          {
            ...TimeRangeQuery,
            by: Type.Optional(OneOf(["category", "country"], { default: "category" })),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 10 })),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            from: Timestamp,
            to: Timestamp,
            by: Type.String(),
            data: Type.Array(
              Type.Object({
                key: Type.String(),
                revenue: Money,
                transactions: Type.Integer(),
                units: Type.Integer(),
              }),
            ),
          }),
        },
      },
    },
    async (req) => {
      const range = timeRange(req.query, ctx.maxRangeMs, ctx.now());
      const by = req.query.by ?? "category";
      const rows = await ctx.realtime.query<Row & { key: string }>(TOP, [
        range.from,
        range.to,
        by,
        req.query.limit ?? 10,
      ]);
      return {
        from: range.from.toISOString(),
        to: range.to.toISOString(),
        by,
        data: rows.map((r) => ({
          key: r.key,
          revenue: money(r.revenue),
          transactions: num(r.transactions),
          units: num(r.units),
        })),
      };
    },
  );
}
