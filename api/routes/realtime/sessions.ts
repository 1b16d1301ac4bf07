/** Sessions (session_metrics) and cart abandonment (cart_abandonment): lists and summaries. */
import { Type } from "@sinclair/typebox";
import {
  ratio,
  iso,
  money,
  Money,
  num,
  Page,
  PageQuery,
  Rate,
  TimeRangeQuery,
  Timestamp,
  timeRange,
  Uuid,
} from "../../params.ts";
import { sqlFile, type Api, type ApiContext } from "../context.ts";
import { page, pageRequest } from "../page.ts";

const SESSIONS = sqlFile("sessions");
const SESSIONS_SUMMARY = sqlFile("sessions_summary");
const CARTS = sqlFile("cart_abandonment");
const CARTS_SUMMARY = sqlFile("cart_abandonment_summary");

const Session = Type.Object({
  session_id: Uuid,
  user_id: Uuid,
  session_start: Timestamp,
  session_end: Timestamp,
  duration_seconds: Type.Number(),
  page_views: Type.Integer(),
  cart_adds: Type.Integer(),
  cart_removes: Type.Integer(),
  cart_updates: Type.Integer(),
  purchases: Type.Integer(),
  purchased: Type.Boolean(),
  purchase_amount: Money,
  abandoned: Type.Boolean(),
});
const Cart = Type.Object({
  session_id: Uuid,
  user_id: Uuid,
  last_cart_activity: Timestamp,
  abandoned_at: Timestamp,
  items: Type.Integer(),
  distinct_products: Type.Integer(),
  cart_value: Money,
});

type SessionRow = Record<keyof typeof Session.properties, unknown> & {
  session_start: Date;
  session_id: string;
};
type CartRow = Record<keyof typeof Cart.properties, unknown> & { abandoned_at: Date; session_id: string };

export function sessionRoutes(app: Api, ctx: ApiContext): void {
  app.get(
    "/v1/realtime/sessions",
    {
      config: { scope: "realtime:read" },
      schema: {
        tags: ["real time"],
        summary: "Closed sessions by start time, newest first",
        querystring: Type.Object(
          {
            ...TimeRangeQuery,
            user_id: Type.Optional(Uuid),
            abandoned: Type.Optional(Type.Boolean()),
            purchased: Type.Optional(Type.Boolean()),
            ...PageQuery,
          },
          { additionalProperties: false },
        ),
        response: { 200: Page(Session) },
      },
    },
    async (req) => {
      const range = timeRange(req.query, ctx.maxRangeMs, ctx.now());
      const request = pageRequest("/v1/realtime/sessions", req.query, ["string", "string"]);
      const rows = await ctx.realtime.query<SessionRow>(SESSIONS, [
        range.from,
        range.to,
        req.query.user_id ?? null,
        req.query.abandoned ?? null,
        req.query.purchased ?? null,
        ...(request.cursor?.after ?? [null, null]),
        request.limit + 1,
      ]);
      return page(
        rows,
        request,
        (r) => [iso(r.session_start), r.session_id],
        (r) =>
          ({
            ...r,
            session_start: iso(r.session_start)!,
            session_end: iso(r.session_end)!,
            purchase_amount: money(r.purchase_amount),
          }) as never,
      );
    },
  );

  app.get(
    "/v1/realtime/sessions/summary",
    {
      config: { scope: "realtime:read" },
      schema: {
        tags: ["real time"],
        summary: "Sessions started in a range: count, length, purchase and abandonment rates",
        querystring: Type.Object(TimeRangeQuery, { additionalProperties: false }),
        response: {
          200: Type.Object({
            from: Timestamp,
            to: Timestamp,
            sessions: Type.Integer(),
            avg_duration_seconds: Type.Number(),
            page_views: Type.Integer(),
            purchased: Type.Integer(),
            with_cart: Type.Integer(),
            abandoned: Type.Integer(),
            purchase_rate: Rate,
            abandonment_rate: Rate,
          }),
        },
      },
    },
    async (req) => {
      const range = timeRange(req.query, ctx.maxRangeMs, ctx.now());
      const [r] = await ctx.realtime.query<Record<string, unknown>>(SESSIONS_SUMMARY, [range.from, range.to]);
      const sessions = num(r?.sessions);
      const withCart = num(r?.with_cart);
      return {
        from: range.from.toISOString(),
        to: range.to.toISOString(),
        sessions,
        avg_duration_seconds: Math.round(num(r?.avg_duration_seconds) * 100) / 100,
        page_views: num(r?.page_views),
        purchased: num(r?.purchased),
        with_cart: withCart,
        abandoned: num(r?.abandoned),
        purchase_rate: ratio(num(r?.purchased), sessions),
        abandonment_rate: ratio(num(r?.abandoned), withCart),
      };
    },
  );

  app.get(
    "/v1/realtime/cart-abandonment",
    {
      config: { scope: "realtime:read" },
      schema: {
        tags: ["real time"],
        summary: "Abandoned carts by abandonment time, newest first, with their value",
        querystring: Type.Object(
          {
            ...TimeRangeQuery,
            min_value: Type.Optional(Type.Number({ minimum: 0, maximum: 1e12 })),
            ...PageQuery,
          },
          { additionalProperties: false },
        ),
        response: { 200: Page(Cart) },
      },
    },
    async (req) => {
      const range = timeRange(req.query, ctx.maxRangeMs, ctx.now());
      const request = pageRequest("/v1/realtime/cart-abandonment", req.query, ["string", "string"]);
      const rows = await ctx.realtime.query<CartRow>(CARTS, [
        range.from,
        range.to,
        req.query.min_value ?? null,
        ...(request.cursor?.after ?? [null, null]),
        request.limit + 1,
      ]);
      return page(
        rows,
        request,
        (r) => [iso(r.abandoned_at), r.session_id],
        (r) =>
          ({
            ...r,
            last_cart_activity: iso(r.last_cart_activity)!,
            abandoned_at: iso(r.abandoned_at)!,
            cart_value: money(r.cart_value),
          }) as never,
      );
    },
  );

  app.get(
    "/v1/realtime/cart-abandonment/summary",
    {
      config: { scope: "realtime:read" },
      schema: {
        tags: ["real time"],
        summary: "Carts abandoned in a range, the value left in them, and the abandonment rate",
        querystring: Type.Object(TimeRangeQuery, { additionalProperties: false }),
        response: {
          200: Type.Object({
            from: Timestamp,
            to: Timestamp,
            abandoned_carts: Type.Integer(),
            value_left: Money,
            items_left: Type.Integer(),
            cart_sessions: Type.Integer({
              description: "sessions started in the range that added to a cart",
            }),
            abandoned_sessions: Type.Integer(),
            abandonment_rate: Rate,
          }),
        },
      },
    },
    async (req) => {
      const range = timeRange(req.query, ctx.maxRangeMs, ctx.now());
      const [r] = await ctx.realtime.query<Record<string, unknown>>(CARTS_SUMMARY, [range.from, range.to]);
      return {
        from: range.from.toISOString(),
        to: range.to.toISOString(),
        abandoned_carts: num(r?.carts),
        value_left: money(r?.value_left),
        items_left: num(r?.items),
        cart_sessions: num(r?.cart_sessions),
        abandoned_sessions: num(r?.abandoned_sessions),
        abandonment_rate:
          r?.abandonment_rate === null || r?.abandonment_rate === undefined
            ? null
            : Number(r.abandonment_rate),
      };
    },
  );
}
