/** Live stock (inventory_status), low-stock alerts (low_stock_alerts) and the hourly velocity top 10. */
import { Type } from "@sinclair/typebox";
import { LOW_STOCK_LEVELS } from "../../../stream/operators/inventory/levels.ts";
import {
  Nullable,
  OneOf,
  Category,
  iso,
  Page,
  PageQuery,
  TimeRangeQuery,
  Timestamp,
  timeRange,
  Uuid,
} from "../../params.ts";
import { sqlFile, type Api, type ApiContext } from "../context.ts";
import { page, pageRequest } from "../page.ts";

const INVENTORY = sqlFile("inventory");
const ALERTS = sqlFile("low_stock_alerts");
const VELOCITY = sqlFile("velocity");

const threshold = (level: string) => LOW_STOCK_LEVELS.find((l) => l.level === level)!.threshold;
const Level = Type.Union([Type.Literal("low"), Type.Literal("critical")]);

const Stock = Type.Object({
  product_id: Uuid,
  name: Type.String(),
  category: Type.String(),
  quantity: Type.Integer(),
  level: Type.Union([Type.Literal("ok"), Level]),
  updated_at: Timestamp,
});
const Alert = Type.Object({
  product_id: Uuid,
  name: Type.String(),
  category: Type.String(),
  level: Level,
  threshold: Type.Integer(),
  quantity: Type.Integer({ description: "stock when the level was crossed" }),
  current_quantity: Nullable(Type.Integer()),
  event_time: Timestamp,
});

interface StockRow {
  product_id: string;
  name: string;
  category: string;
  quantity: number;
  level: "ok" | "low" | "critical";
  updated_at: Date;
}
interface AlertRow {
  product_id: string;
  name: string;
  category: string;
  level: "low" | "critical";
  threshold: number;
  quantity: number;
  current_quantity: number | null;
  event_time: Date;
}
interface VelocityRow {
  hour_start: Date;
  rank: number;
  product_id: string;
  category: string;
  units: string | number;
}

const DAY = 86_400_000;

export function inventoryRoutes(app: Api, ctx: ApiContext): void {
  app.get(
    "/v1/realtime/inventory",
    {
      config: { scope: "realtime:read" },
      schema: {
        tags: ["real time"],
        summary: "Live stock per product, with its level (ok, low, critical)",
        querystring: Type.Object(
          {
            category: Type.Optional(Category),
            level: Type.Optional(OneOf(["ok", "low", "critical"])),
            product_id: Type.Optional(Uuid),
            ...PageQuery,
          },
          { additionalProperties: false },
        ),
        response: { 200: Page(Stock) },
      },
    },
    async (req) => {
      const request = pageRequest("/v1/realtime/inventory", req.query, ["string"]);
      const rows = await ctx.realtime.query<StockRow>(INVENTORY, [
        req.query.category ?? null,
        req.query.level ?? null,
        req.query.product_id ?? null,
        threshold("low"),
        threshold("critical"),
        request.cursor?.after[0] ?? null,
        request.limit + 1,
      ]);
      return page(
        rows,
        request,
        (r) => [r.product_id],
        (r) => ({ ...r, updated_at: iso(r.updated_at)! }),
      );
    },
  );

  app.get(
    "/v1/realtime/inventory/alerts",
    {
      config: { scope: "realtime:read" },
      schema: {
        tags: ["real time"],
        summary: "Low-stock alerts, newest first: one per product and level crossed",
        querystring: Type.Object(
          { level: Type.Optional(OneOf(["low", "critical"])), ...PageQuery },
          { additionalProperties: false },
        ),
        response: { 200: Page(Alert) },
      },
    },
    async (req) => {
      const request = pageRequest("/v1/realtime/inventory/alerts", req.query, ["string", "string", "string"]);
      const after = request.cursor?.after ?? [null, null, null];
      const rows = await ctx.realtime.query<AlertRow>(ALERTS, [
        req.query.level ?? null,
        ...after,
        request.limit + 1,
      ]);
      return page(
        rows,
        request,
        (r) => [iso(r.event_time), r.product_id, r.level],
        (r) => ({ ...r, event_time: iso(r.event_time)! }),
      );
    },
  );

  app.get(
    "/v1/realtime/inventory/velocity",
    {
      config: { scope: "realtime:read" },
      schema: {
        tags: ["real time"],
        summary: "The 10 products selling fastest in each closed hour (default: the last 24 hours)",
        querystring: Type.Object(TimeRangeQuery, { additionalProperties: false }),
        response: {
          200: Type.Object({
            from: Timestamp,
            to: Timestamp,
            hours: Type.Array(
              Type.Object({
                hour_start: Timestamp,
                products: Type.Array(
                  Type.Object({
                    rank: Type.Integer(),
                    product_id: Uuid,
                    category: Type.String(),
                    units: Type.Integer(),
                  }),
                ),
              }),
            ),
          }),
        },
      },
    },
    async (req) => {
      const now = ctx.now();
      const to = req.query.to ?? new Date(now).toISOString();
      const range = timeRange(
        { from: req.query.from ?? new Date(Date.parse(to) - DAY).toISOString(), to },
        ctx.maxRangeMs,
        now,
      );
      const rows = await ctx.realtime.query<VelocityRow>(VELOCITY, [range.from, range.to]);
      const hours = new Map<
        string,
        {
          hour_start: string;
          products: { rank: number; product_id: string; category: string; units: number }[];
        }
      >();
      for (const r of rows) {
        const key = iso(r.hour_start)!;
        const hour = hours.get(key) ?? { hour_start: key, products: [] };
        hour.products.push({
          rank: r.rank,
          product_id: r.product_id,
          category: r.category,
          units: Number(r.units),
        });
        hours.set(key, hour);
      }
      return { from: range.from.toISOString(), to: range.to.toISOString(), hours: [...hours.values()] };
    },
  );
}
