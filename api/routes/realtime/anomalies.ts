/** Transaction anomalies (transaction_anomalies), newest first, filtered and paged. */
import { Type } from "@sinclair/typebox";
import { ANOMALY_TYPES } from "../../../core/anomaly-rules.ts";
import {
  OneOf,
  iso,
  money,
  Money,
  Page,
  PageQuery,
  TimeRangeQuery,
  Timestamp,
  timeRange,
  Uuid,
} from "../../params.ts";
import { sqlFile, type Api, type ApiContext } from "../context.ts";
import { page, pageRequest } from "../page.ts";

const SQL = sqlFile("anomalies");
const ROUTE = "/v1/realtime/anomalies";

const Anomaly = Type.Object({
  transaction_id: Uuid,
  anomaly_type: Type.String(),
  user_id: Uuid,
  event_time: Timestamp,
  amount: Money,
  score: Type.Number(),
  description: Type.String(),
  detected_at: Timestamp,
});

interface Row {
  transaction_id: string;
  anomaly_type: string;
  user_id: string;
  event_time: Date;
  amount: string;
  score: number;
  description: string;
  detected_at: Date;
}

export function anomalyRoutes(app: Api, ctx: ApiContext): void {
  app.get(
    ROUTE,
    {
      config: { scope: "realtime:read" },
      schema: {
        tags: ["real time"],
        summary: "Anomalies by event time, newest first",
        querystring: Type.Object(
          {
            ...TimeRangeQuery,
            type: Type.Optional(OneOf(ANOMALY_TYPES)),
            min_score: Type.Optional(Type.Number({ minimum: 0, maximum: 1e9 })),
            user_id: Type.Optional(Uuid),
            ...PageQuery,
          },
          { additionalProperties: false },
        ),
        response: { 200: Page(Anomaly) },
      },
    },
    async (req) => {
      const range = timeRange(req.query, ctx.maxRangeMs, ctx.now());
      const request = pageRequest(ROUTE, req.query, ["string", "string", "string"]);
      const after = request.cursor?.after ?? [null, null, null];
      const rows = await ctx.realtime.query<Row>(SQL, [
        range.from,
        range.to,
        req.query.type ?? null,
        req.query.min_score ?? null,
        req.query.user_id ?? null,
        ...after,
        request.limit + 1,
      ]);
      return page(
        rows,
        request,
        (r) => [iso(r.event_time), r.transaction_id, r.anomaly_type],
        (r) => ({
          ...r,
          event_time: iso(r.event_time)!,
          amount: money(r.amount),
          detected_at: iso(r.detected_at)!,
        }),
      );
    },
  );
}
