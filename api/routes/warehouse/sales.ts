/** Daily sales (daily_sales) and the daily funnel (funnel_daily) from the warehouse. */
import { Type } from "@sinclair/typebox";
import { badField } from "../../problem.ts";
import {
  Category,
  Country,
  DateParam,
  Day,
  money,
  Money,
  num,
  PageQuery,
  Rate,
  rate,
  SnapshotPage,
} from "../../params.ts";
import type { Condition } from "../../stores/warehouse.ts";
import type { Api, ApiContext } from "../context.ts";
import { snapshotPage } from "./snapshot.ts";

const DateRange = {
  from: Type.Optional(DateParam("first date, inclusive")),
  to: Type.Optional(DateParam("last date, inclusive")),
};

function dateConditions(q: { from?: string | undefined; to?: string | undefined }): Condition[] {
  for (const f of ["from", "to"] as const)
    if (q[f] !== undefined && Number.isNaN(Date.parse(`${q[f]}T00:00:00Z`)))
      throw badField(f, "is not a date");
  if (q.from !== undefined && q.to !== undefined && q.from > q.to)
    throw badField("from", "must not be after to");
  return [
    ...(q.from !== undefined ? [{ field: "date", op: "gte" as const, value: q.from }] : []),
    ...(q.to !== undefined ? [{ field: "date", op: "lte" as const, value: q.to }] : []),
  ];
}

const DailySales = Type.Object({
  date: Day,
  category: Type.String(),
  country: Type.String(),
  revenue: Money,
  net_revenue: Money,
  orders: Type.Integer(),
  units: Type.Integer(),
  aov: Money,
});

const FunnelDay = Type.Object({
  date: Day,
  sessions: Type.Integer(),
  views: Type.Integer(),
  cart_adds: Type.Integer(),
  purchases: Type.Integer(),
  view_to_cart: Rate,
  cart_to_purchase: Rate,
  view_to_purchase: Rate,
});

export function warehouseSalesRoutes(app: Api, ctx: ApiContext): void {
  app.get(
    "/v1/warehouse/daily-sales",
    {
      config: { scope: "warehouse:read" },
      schema: {
        tags: ["warehouse"],
        summary: "Revenue, net revenue, orders, units and AOV per date, category and country",
        querystring: Type.Object(
          { ...DateRange, category: Type.Optional(Category), country: Type.Optional(Country), ...PageQuery },
          { additionalProperties: false },
        ),
        response: { 200: SnapshotPage(DailySales) },
      },
    },
    (req, reply) =>
      snapshotPage(ctx, req, reply, {
        route: "/v1/warehouse/daily-sales",
        table: "daily_sales",
        where: [
          ...dateConditions(req.query),
          ...(req.query.category
            ? [{ field: "category", op: "eq" as const, value: req.query.category }]
            : []),
          ...(req.query.country ? [{ field: "country", op: "eq" as const, value: req.query.country }] : []),
        ],
        order: [{ field: "date" }, { field: "category" }, { field: "country" }],
        keyTypes: ["string", "string", "string"],
        map: (r) => ({
          date: String(r.date),
          category: String(r.category),
          country: String(r.country),
          revenue: money(r.revenue),
          net_revenue: money(r.net_revenue),
          orders: num(r.orders),
          units: num(r.units),
          aov: money(r.aov),
        }),
      }),
  );

  app.get(
    "/v1/warehouse/funnel-daily",
    {
      config: { scope: "warehouse:read" },
      schema: {
        tags: ["warehouse"],
        summary: "Sessions, views, cart adds and purchases per day, with conversion rates",
        querystring: Type.Object({ ...DateRange, ...PageQuery }, { additionalProperties: false }),
        response: { 200: SnapshotPage(FunnelDay) },
      },
    },
    (req, reply) =>
      snapshotPage(ctx, req, reply, {
        route: "/v1/warehouse/funnel-daily",
        table: "funnel_daily",
        where: dateConditions(req.query),
        order: [{ field: "date" }],
        keyTypes: ["string"],
        map: (r) => ({
          date: String(r.date),
          sessions: num(r.sessions),
          views: num(r.views),
          cart_adds: num(r.cart_adds),
          purchases: num(r.purchases),
          view_to_cart: rate(r.view_to_cart),
          cart_to_purchase: rate(r.cart_to_purchase),
          view_to_purchase: rate(r.view_to_purchase),
        }),
      }),
  );
}
