/** RFM (rfm_customers, rfm_segments) and customer 360 (customer_360) from the warehouse. */
import { Type } from "@sinclair/typebox";
import {
  Nullable,
  OneOf,
  Day,
  iso,
  money,
  Money,
  num,
  PageQuery,
  Rate,
  rate,
  SnapshotOne,
  SnapshotPage,
  Timestamp,
  Uuid,
} from "../../params.ts";
import type { Row } from "../../stores/warehouse.ts";
import type { Api, ApiContext } from "../context.ts";
import { snapshotOne, snapshotPage } from "./snapshot.ts";

export const SEGMENTS = [
  "Champions",
  "Loyal Customers",
  "Potential Loyalists",
  "New Customers",
  "Promising",
  "Need Attention",
  "About to Sleep",
  "At Risk",
  "Can't Lose Them",
  "Hibernating",
] as const;
const Segment = OneOf(SEGMENTS);

const Rfm = Type.Object({
  user_id: Uuid,
  recency_days: Type.Integer(),
  frequency: Type.Integer(),
  monetary: Money,
  r_score: Type.Integer({ minimum: 1, maximum: 5 }),
  f_score: Type.Integer({ minimum: 1, maximum: 5 }),
  m_score: Type.Integer({ minimum: 1, maximum: 5 }),
  segment: Type.String(),
  last_purchase: Day,
});
const rfm = (r: Row) => ({
  user_id: String(r.user_id),
  recency_days: num(r.recency_days),
  frequency: num(r.frequency),
  monetary: money(r.monetary),
  r_score: num(r.r_score),
  f_score: num(r.f_score),
  m_score: num(r.m_score),
  segment: String(r.segment),
  last_purchase: String(r.last_purchase),
});

const SegmentSummary = Type.Object({
  segment: Type.String(),
  customers: Type.Integer(),
  revenue: Money,
  avg_recency_days: Type.Number(),
  avg_frequency: Type.Number(),
  avg_monetary: Money,
  customer_share: Type.Number(),
});

const Customer = Type.Object({
  user_id: Uuid,
  first_purchase: Nullable(Timestamp),
  last_purchase: Nullable(Timestamp),
  orders: Type.Integer(),
  revenue: Money,
  refunded: Money,
  net_revenue: Money,
  avg_order_value: Nullable(Money),
  favourite_category: Nullable(Type.String()),
  sessions: Type.Integer(),
  abandonment_rate: Rate,
});

const UserParams = Type.Object({ user_id: Uuid }, { additionalProperties: false });
const NoQuery = Type.Object({}, { additionalProperties: false });

export function customerRoutes(app: Api, ctx: ApiContext): void {
  app.get(
    "/v1/warehouse/rfm/customers/:user_id",
    {
      config: { scope: "warehouse:read" },
      schema: {
        tags: ["warehouse"],
        summary: "One customer's RFM scores and segment",
        params: UserParams,
        querystring: NoQuery,
        response: { 200: SnapshotOne(Rfm) },
      },
    },
    (req, reply) =>
      snapshotOne(ctx, req, reply, {
        table: "rfm_customers",
        where: [{ field: "user_id", op: "eq", value: req.params.user_id }],
        map: rfm,
        missing: `no customer ${req.params.user_id} in rfm_customers (only buyers are scored)`,
      }),
  );

  app.get(
    "/v1/warehouse/rfm/customers",
    {
      config: { scope: "warehouse:read" },
      schema: {
        tags: ["warehouse"],
        summary: "RFM customers, by user id, optionally of one segment",
        querystring: Type.Object(
          { segment: Type.Optional(Segment), ...PageQuery },
          { additionalProperties: false },
        ),
        response: { 200: SnapshotPage(Rfm) },
      },
    },
    (req, reply) =>
      snapshotPage(ctx, req, reply, {
        route: "/v1/warehouse/rfm/customers",
        table: "rfm_customers",
        where: req.query.segment ? [{ field: "segment", op: "eq", value: req.query.segment }] : [],
        order: [{ field: "user_id" }],
        keyTypes: ["string"],
        map: rfm,
      }),
  );

  app.get(
    "/v1/warehouse/rfm/segments",
    {
      config: { scope: "warehouse:read" },
      schema: {
        tags: ["warehouse"],
        summary: "Every RFM segment: customers, revenue and averages",
        querystring: Type.Object(PageQuery, { additionalProperties: false }),
        response: { 200: SnapshotPage(SegmentSummary) },
      },
    },
    (req, reply) =>
      snapshotPage(ctx, req, reply, {
        route: "/v1/warehouse/rfm/segments",
        table: "rfm_segments",
        where: [],
        order: [{ field: "segment" }],
        keyTypes: ["string"],
        map: (r) => ({
          segment: String(r.segment),
          customers: num(r.customers),
          revenue: money(r.revenue),
          avg_recency_days: num(r.avg_recency_days),
          avg_frequency: num(r.avg_frequency),
          avg_monetary: money(r.avg_monetary),
          customer_share: num(r.customer_share),
        }),
      }),
  );

  app.get(
    "/v1/warehouse/customers/:user_id",
    {
      config: { scope: "warehouse:read" },
      schema: {
        tags: ["warehouse"],
        summary: "Customer 360: orders, revenue, refunds, favourite category, sessions, abandonment",
        params: UserParams,
        querystring: NoQuery,
        response: { 200: SnapshotOne(Customer) },
      },
    },
    (req, reply) =>
      snapshotOne(ctx, req, reply, {
        table: "customer_360",
        where: [{ field: "user_id", op: "eq", value: req.params.user_id }],
        missing: `no customer ${req.params.user_id} in customer_360`,
        map: (r) => ({
          user_id: String(r.user_id),
          first_purchase: iso(r.first_purchase),
          last_purchase: iso(r.last_purchase),
          orders: num(r.orders),
          revenue: money(r.revenue),
          refunded: money(r.refunded),
          net_revenue: money(r.net_revenue),
          avg_order_value: r.avg_order_value === null ? null : money(r.avg_order_value),
          favourite_category: typeof r.favourite_category === "string" ? r.favourite_category : null,
          sessions: num(r.sessions),
          abandonment_rate: rate(r.abandonment_rate),
        }),
      }),
  );
}
