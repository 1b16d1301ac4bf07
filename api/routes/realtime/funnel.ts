/** The funnel views -> cart adds -> purchases per minute (funnel_metrics), with conversion rates. */
import { Type } from "@sinclair/typebox";
import { ratio, iso, num, Rate, TimeRangeQuery, Timestamp, timeRange } from "../../params.ts";
import { sqlFile, type Api, type ApiContext } from "../context.ts";

const SQL = sqlFile("funnel");

const Step = {
  views: Type.Integer(),
  cart_adds: Type.Integer(),
  purchases: Type.Integer(),
  view_to_cart: Rate,
  cart_to_purchase: Rate,
  view_to_purchase: Rate,
};

interface Row {
  bucket: Date | null;
  views: string;
  cart_adds: string;
  purchases: string;
}

const steps = (r: Row | undefined) => {
  const [views, carts, purchases] = [num(r?.views), num(r?.cart_adds), num(r?.purchases)];
  return {
    views,
    cart_adds: carts,
    purchases,
    view_to_cart: ratio(carts, views),
    cart_to_purchase: ratio(purchases, carts),
    view_to_purchase: ratio(purchases, views),
  };
};

export function funnelRoutes(app: Api, ctx: ApiContext): void {
  app.get(
    "/v1/realtime/funnel",
    {
      config: { scope: "realtime:read" },
      schema: {
        tags: ["real time"],
        summary: "Views, cart adds and purchases with conversion rates: totals and per minute",
        querystring: Type.Object(TimeRangeQuery, { additionalProperties: false }),
        response: {
          200: Type.Object({
            from: Timestamp,
            to: Timestamp,
            totals: Type.Object(Step),
            series: Type.Array(Type.Object({ bucket_start: Timestamp, ...Step })),
          }),
        },
      },
    },
    async (req) => {
      const range = timeRange(req.query, ctx.maxRangeMs, ctx.now());
      const rows = await ctx.realtime.query<Row>(SQL, [range.from, range.to]);
      return {
        from: range.from.toISOString(),
        to: range.to.toISOString(),
        totals: steps(rows.find((r) => r.bucket === null)),
        series: rows
          .filter((r) => r.bucket !== null)
          .map((r) => ({ bucket_start: iso(r.bucket)!, ...steps(r) })),
      };
    },
  );
}
