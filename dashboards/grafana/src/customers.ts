/**
 * 5. Customers (warehouse): the nightly gold tables through the REST API (Infinity). The API
 * returns one page (up to 1000 rows) per call and Infinity does not follow cursors, so each
 * panel asks for a page that holds its whole answer.
 */
import { SEGMENTS } from "../../../api/routes/warehouse/customers.ts";
import { api, customVariable, dashboard, textVariable, unitOf } from "./kit.ts";

export default dashboard({
  uid: "globalmart-customers",
  title: "Customers (warehouse)",
  description:
    "RFM segments, one customer's 360 view, cohort retention, products and daily sales, as of the latest snapshot.",
  tags: ["warehouse", "customers"],
  from: "now-7d",
  refresh: "",
  variables: [
    textVariable("user_id", "Customer 360: user id"),
    customVariable("segment", "Segment", SEGMENTS),
  ],
  rows: [
    [
      {
        title: "Customer 360: $user_id",
        description:
          "Orders, revenue, refunds, favourite category, sessions and abandonment of the user in the user id box.",
        type: "table",
        w: 14,
        h: 5,
        targets: [
          api("/v1/warehouse/customers/${user_id:percentencode}", "data", [
            { selector: "orders", type: "number" },
            { selector: "revenue", type: "number" },
            { selector: "net_revenue", type: "number" },
            { selector: "avg_order_value", type: "number" },
            { selector: "favourite_category", type: "string" },
            { selector: "sessions", type: "number" },
            { selector: "abandonment_rate", type: "number" },
            { selector: "last_purchase", type: "timestamp" },
          ]),
        ],
      },
      {
        title: "RFM scores: $user_id",
        description: "The user's recency, frequency and monetary scores and segment.",
        type: "table",
        w: 10,
        h: 5,
        targets: [
          api("/v1/warehouse/rfm/customers/${user_id:percentencode}", "data", [
            { selector: "segment", type: "string" },
            { selector: "recency_days", type: "number" },
            { selector: "frequency", type: "number" },
            { selector: "monetary", type: "number" },
            { selector: "r_score", type: "number" },
            { selector: "f_score", type: "number" },
            { selector: "m_score", type: "number" },
          ]),
        ],
      },
    ],
    [
      {
        title: "RFM segments",
        description: "Customers and revenue per segment, from the latest RFM snapshot.",
        type: "barchart",
        w: 12,
        h: 10,
        options: {
          xField: "segment",
          orientation: "horizontal",
          showValue: "auto",
          legend: { showLegend: true, displayMode: "list", placement: "bottom" },
        },
        targets: [
          api("/v1/warehouse/rfm/segments?limit=100", "data", [
            { selector: "segment", type: "string" },
            { selector: "customers", type: "number" },
            { selector: "revenue", type: "number" },
          ]),
        ],
        overrides: [unitOf("revenue", "currencyUSD")],
      },
      {
        title: "Cohort retention",
        description: "Share of each first-purchase month's customers who bought again N months later.",
        type: "table",
        w: 12,
        h: 10,
        unit: "percentunit",
        decimals: 0,
        custom: { cellOptions: { type: "color-background", mode: "gradient" }, align: "center" },
        targets: [
          api("/v1/warehouse/cohorts?limit=1000", "data", [
            { selector: "cohort_month", type: "string" },
            { selector: "months_since_first", type: "number" },
            { selector: "retention", type: "number" },
          ]),
        ],
        transformations: [
          {
            id: "groupingToMatrix",
            options: { columnField: "months_since_first", rowField: "cohort_month", valueField: "retention" },
          },
        ],
      },
    ],
    [
      {
        title: "Customers in segment $segment",
        description: "The first 100 customers of the chosen segment with their RFM figures.",
        type: "table",
        w: 10,
        h: 10,
        targets: [
          api("/v1/warehouse/rfm/customers?segment=${segment:percentencode}&limit=100", "data", [
            { selector: "user_id", type: "string" },
            { selector: "recency_days", type: "number" },
            { selector: "frequency", type: "number" },
            { selector: "monetary", type: "number" },
          ]),
        ],
      },
      {
        title: "Product performance",
        description:
          "The 100 products with the most revenue: views, carts, purchases, conversion and refund rate.",
        type: "table",
        w: 14,
        h: 10,
        targets: [
          api("/v1/warehouse/products?sort=revenue&limit=100", "data", [
            { selector: "product_id", type: "string" },
            { selector: "category", type: "string" },
            { selector: "revenue", type: "number" },
            { selector: "units", type: "number" },
            { selector: "views", type: "number" },
            { selector: "view_to_purchase", type: "number" },
            { selector: "refund_rate", type: "number" },
          ]),
        ],
        overrides: [unitOf("view_to_purchase", "percentunit"), unitOf("refund_rate", "percentunit")],
      },
    ],
    [
      {
        title: "Daily sales by country",
        description: "Revenue per country over the dashboard's dates, summed from the daily sales table.",
        type: "barchart",
        w: 24,
        h: 9,
        options: {
          xField: "country",
          orientation: "horizontal",
          legend: { showLegend: false, displayMode: "list", placement: "bottom" },
        },
        targets: [
          api(
            "/v1/warehouse/daily-sales?from=${__from:date:YYYY-MM-DD}&to=${__to:date:YYYY-MM-DD}&limit=1000",
            "data",
            [
              { selector: "date", type: "string" },
              { selector: "country", type: "string" },
              { selector: "revenue", type: "number" },
            ],
          ),
        ],
        transformations: [
          {
            id: "groupBy",
            options: {
              fields: {
                country: { aggregations: [], operation: "groupby" },
                revenue: { aggregations: ["sum"], operation: "aggregate" },
              },
            },
          },
        ],
      },
    ],
  ],
});
