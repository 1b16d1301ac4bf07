/** The pipeline's own figures per topic (operational_metrics): rate, lag, dead letters, late events. */
import { Type } from "@sinclair/typebox";
import { Nullable, iso, num, TimeRangeQuery, Timestamp, timeRange } from "../../params.ts";
import { sqlFile, type Api, type ApiContext } from "../context.ts";

const SQL = sqlFile("operations");

interface Row {
  topic: string;
  events: string;
  bytes: string;
  dlq: string;
  late: string;
  duplicates: string;
  max_lag: string | null;
  current_lag: string | null;
  last_minute: Date;
}

export function operationsRoutes(app: Api, ctx: ApiContext): void {
  app.get(
    "/v1/realtime/operations",
    {
      config: { scope: "ops:read" },
      schema: {
        tags: ["real time"],
        summary:
          "Per topic over processing time: events/s, bytes, DLQ, late and duplicate events, consumer lag",
        querystring: Type.Object(TimeRangeQuery, { additionalProperties: false }),
        response: {
          200: Type.Object({
            from: Timestamp,
            to: Timestamp,
            topics: Type.Array(
              Type.Object({
                topic: Type.String(),
                events: Type.Integer(),
                events_per_second: Type.Number(),
                bytes: Type.Integer(),
                dlq: Type.Integer(),
                late: Type.Integer(),
                duplicates: Type.Integer(),
                current_lag: Nullable(Type.Integer()),
                max_lag: Nullable(Type.Integer()),
                last_minute: Timestamp,
              }),
            ),
          }),
        },
      },
    },
    async (req) => {
      const range = timeRange(req.query, ctx.maxRangeMs, ctx.now());
      const seconds = (range.to.getTime() - range.from.getTime()) / 1000;
      const rows = await ctx.realtime.query<Row>(SQL, [range.from, range.to]);
      return {
        from: range.from.toISOString(),
        to: range.to.toISOString(),
        topics: rows.map((r) => ({
          topic: r.topic,
          events: num(r.events),
          events_per_second: Math.round((num(r.events) / seconds) * 100) / 100,
          bytes: num(r.bytes),
          dlq: num(r.dlq),
          late: num(r.late),
          duplicates: num(r.duplicates),
          current_lag: r.current_lag === null ? null : num(r.current_lag),
          max_lag: r.max_lag === null ? null : num(r.max_lag),
          last_minute: iso(r.last_minute)!,
        })),
      };
    },
  );
}
