/**
 * Payments by method (payment_metrics), refunds against gross sales (refund_metrics,
 * sales_metrics) and refunds by reason (refund_reasons_hourly).
 */
import { Type } from "@sinclair/typebox";
import {
  cents,
  fromCents,
  iso,
  money,
  Money,
  num,
  TimeRangeQuery,
  Timestamp,
  timeRange,
} from "../../params.ts";
import { sqlFile, type Api, type ApiContext } from "../context.ts";

const PAYMENTS = sqlFile("payments");
const NET = sqlFile("net_revenue");
const REASONS = sqlFile("refund_reasons");

interface PaymentRow {
  payment_method: string;
  transactions: string;
  amount: string;
}
interface ReasonRow {
  reason: string;
  refunds: string;
  amount: string;
}
interface NetRow {
  bucket: Date;
  gross_revenue: string;
  refunds: string;
  refunded: string;
  net_revenue: string;
}

export function paymentRoutes(app: Api, ctx: ApiContext): void {
  app.get(
    "/v1/realtime/payments",
    {
      config: { scope: "realtime:read" },
      schema: {
        tags: ["real time"],
        summary: "Transactions and amount per payment method, with each method's share",
        querystring: Type.Object(TimeRangeQuery, { additionalProperties: false }),
        response: {
          200: Type.Object({
            from: Timestamp,
            to: Timestamp,
            data: Type.Array(
              Type.Object({
                payment_method: Type.String(),
                transactions: Type.Integer(),
                amount: Money,
                share_of_transactions: Type.Number(),
              }),
            ),
          }),
        },
      },
    },
    async (req) => {
      const range = timeRange(req.query, ctx.maxRangeMs, ctx.now());
      const rows = await ctx.realtime.query<PaymentRow>(PAYMENTS, [range.from, range.to]);
      const all = rows.reduce((n, r) => n + num(r.transactions), 0);
      return {
        from: range.from.toISOString(),
        to: range.to.toISOString(),
        data: rows.map((r) => ({
          payment_method: r.payment_method,
          transactions: num(r.transactions),
          amount: money(r.amount),
          share_of_transactions: all === 0 ? 0 : Math.round((num(r.transactions) / all) * 10_000) / 10_000,
        })),
      };
    },
  );

  app.get(
    "/v1/realtime/refunds",
    {
      config: { scope: "realtime:read" },
      schema: {
        tags: ["real time"],
        summary: "Gross sales, refunds and net revenue: totals and per minute, each by its own event time",
        querystring: Type.Object(TimeRangeQuery, { additionalProperties: false }),
        response: {
          200: Type.Object({
            from: Timestamp,
            to: Timestamp,
            totals: Type.Object({
              gross_revenue: Money,
              refunds: Type.Integer(),
              refunded: Money,
              net_revenue: Money,
            }),
            series: Type.Array(
              Type.Object({
                bucket_start: Timestamp,
                gross_revenue: Money,
                refunds: Type.Integer(),
                refunded: Money,
                net_revenue: Money,
              }),
            ),
          }),
        },
      },
    },
    async (req) => {
      const range = timeRange(req.query, ctx.maxRangeMs, ctx.now());
      const rows = await ctx.realtime.query<NetRow>(NET, [range.from, range.to]);
      let gross = 0n;
      let refunded = 0n;
      let refunds = 0;
      for (const r of rows) {
        gross += cents(r.gross_revenue);
        refunded += cents(r.refunded);
        refunds += num(r.refunds);
      }
      return {
        from: range.from.toISOString(),
        to: range.to.toISOString(),
        totals: {
          gross_revenue: fromCents(gross),
          refunds,
          refunded: fromCents(refunded),
          net_revenue: fromCents(gross - refunded),
        },
        series: rows.map((r) => ({
          bucket_start: iso(r.bucket)!,
          gross_revenue: money(r.gross_revenue),
          refunds: num(r.refunds),
          refunded: money(r.refunded),
          net_revenue: money(r.net_revenue),
        })),
      };
    },
  );

  app.get(
    "/v1/realtime/refunds/reasons",
    {
      config: { scope: "realtime:read" },
      schema: {
        tags: ["real time"],
        summary: "Refunds and amount per reason, over the event-time hours that start in the range",
        querystring: Type.Object(TimeRangeQuery, { additionalProperties: false }),
        response: {
          200: Type.Object({
            from: Timestamp,
            to: Timestamp,
            data: Type.Array(
              Type.Object({
                reason: Type.String(),
                refunds: Type.Integer(),
                amount: Money,
                share_of_refunds: Type.Number(),
              }),
            ),
          }),
        },
      },
    },
    async (req) => {
      const range = timeRange(req.query, ctx.maxRangeMs, ctx.now());
      const rows = await ctx.realtime.query<ReasonRow>(REASONS, [range.from, range.to]);
      const all = rows.reduce((n, r) => n + num(r.refunds), 0);
      return {
        from: range.from.toISOString(),
        to: range.to.toISOString(),
        data: rows.map((r) => ({
          reason: r.reason,
          refunds: num(r.refunds),
          amount: money(r.amount),
          share_of_refunds: all === 0 ? 0 : Math.round((num(r.refunds) / all) * 10_000) / 10_000,
        })),
      };
    },
  );
}
