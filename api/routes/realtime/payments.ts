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

interface NetRow {
  bucket: Date;
  gross_revenue: string;
  refunds: string;
  refunded: string;
  net_revenue: string;
}

/**
 * A range's rows of one label (a payment method, a refund reason) with a count and an amount,
 * and each row's share of the count: the response schema and the answer built from SQL rows.
 */
function sharesOf(label: string, count: string) {
  const share = `share_of_${count}`;
  const schema = Type.Object({
    from: Timestamp,
    to: Timestamp,
    data: Type.Array(
      Type.Object({ [label]: Type.String(), [count]: Type.Integer(), amount: Money, [share]: Type.Number() }),
    ),
  });
  const answer = (range: { from: Date; to: Date }, rows: readonly Record<string, string>[]) => {
    const all = rows.reduce((n, r) => n + num(r[count]!), 0);
    return {
      from: range.from.toISOString(),
      to: range.to.toISOString(),
      data: rows.map((r) => ({
        [label]: r[label]!,
        [count]: num(r[count]!),
        amount: money(r.amount!),
        [share]: all === 0 ? 0 : Math.round((num(r[count]!) / all) * 10_000) / 10_000,
      })),
    };
  };
  return { schema, answer };
}

const BY_METHOD = sharesOf("payment_method", "transactions");
const BY_REASON = sharesOf("reason", "refunds");

export function paymentRoutes(app: Api, ctx: ApiContext): void {
  app.get(
    "/v1/realtime/payments",
    {
      config: { scope: "realtime:read" },
      schema: {
        tags: ["real time"],
        summary: "Transactions and amount per payment method, with each method's share",
        querystring: Type.Object(TimeRangeQuery, { additionalProperties: false }),
        response: { 200: BY_METHOD.schema },
      },
    },
    async (req) => {
      const range = timeRange(req.query, ctx.maxRangeMs, ctx.now());
      return BY_METHOD.answer(
        range,
        await ctx.realtime.query<Record<string, string>>(PAYMENTS, [range.from, range.to]),
      );
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
        response: { 200: BY_REASON.schema },
      },
    },
    async (req) => {
      const range = timeRange(req.query, ctx.maxRangeMs, ctx.now());
      return BY_REASON.answer(
        range,
        await ctx.realtime.query<Record<string, string>>(REASONS, [range.from, range.to]),
      );
    },
  );
}
