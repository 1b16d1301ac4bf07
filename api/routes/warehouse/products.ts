/** Product performance (product_performance): views, carts, purchases, conversion, revenue. */
import { Type } from "@sinclair/typebox";
import {
  OneOf,
  Category,
  money,
  Money,
  num,
  PageQuery,
  Rate,
  rate,
  SnapshotOne,
  SnapshotPage,
  Uuid,
} from "../../params.ts";
import type { Row } from "../../stores/warehouse.ts";
import type { Api, ApiContext } from "../context.ts";
import { snapshotOne, snapshotPage } from "./snapshot.ts";

const Product = Type.Object({
  product_id: Uuid,
  category: Type.String(),
  views: Type.Integer(),
  cart_adds: Type.Integer(),
  purchases: Type.Integer(),
  units: Type.Integer(),
  revenue: Money,
  view_to_purchase: Rate,
  refund_rate: Rate,
});
const product = (r: Row) => ({
  product_id: String(r.product_id),
  category: String(r.category),
  views: num(r.views),
  cart_adds: num(r.cart_adds),
  purchases: num(r.purchases),
  units: num(r.units),
  revenue: money(r.revenue),
  view_to_purchase: rate(r.view_to_purchase),
  refund_rate: rate(r.refund_rate),
});

/** Each sort is descending with product_id as the tie-break, so the keyset order is total. */
const SORTS = { revenue: "revenue", conversion: "view_to_purchase", views: "views", units: "units" } as const;

export function productRoutes(app: Api, ctx: ApiContext): void {
  app.get(
    "/v1/warehouse/products",
    {
      config: { scope: "warehouse:read" },
      schema: {
        tags: ["warehouse"],
        summary:
          "Product performance, best first by revenue, conversion (viewed products only), views or units",
        querystring: Type.Object(
          {
            sort: Type.Optional(OneOf(Object.keys(SORTS) as (keyof typeof SORTS)[], { default: "revenue" })),
            category: Type.Optional(Category),
            ...PageQuery,
          },
          { additionalProperties: false },
        ),
        response: { 200: SnapshotPage(Product) },
      },
    },
    (req, reply) => {
      const field = SORTS[(req.query.sort ?? "revenue") as keyof typeof SORTS];
      return snapshotPage(ctx, req, reply, {
        route: "/v1/warehouse/products",
        table: "product_performance",
        where: [
          ...(req.query.category
            ? [{ field: "category", op: "eq" as const, value: req.query.category }]
            : []),
          // Conversion is undefined (null) without views; a keyset cannot step over nulls.
          ...(field === "view_to_purchase" ? [{ field: "views", op: "gte" as const, value: 1 }] : []),
        ],
        order: [{ field, desc: true }, { field: "product_id" }],
        keyTypes: ["number", "string"],
        map: product,
      });
    },
  );

  app.get(
    "/v1/warehouse/products/:product_id",
    {
      config: { scope: "warehouse:read" },
      schema: {
        tags: ["warehouse"],
        summary: "One product's performance",
        params: Type.Object({ product_id: Uuid }, { additionalProperties: false }),
        querystring: Type.Object({}, { additionalProperties: false }),
        response: { 200: SnapshotOne(Product) },
      },
    },
    (req, reply) =>
      snapshotOne(ctx, req, reply, {
        table: "product_performance",
        where: [{ field: "product_id", op: "eq", value: req.params.product_id }],
        map: product,
        missing: `no product ${req.params.product_id} in product_performance`,
      }),
  );
}
