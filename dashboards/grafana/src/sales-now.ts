/** 1. Sales now: what the shop sells this minute, from the stream's sales, payment and refund tables. */
import { colorOf, customVariable, dashboard, sql, type PanelSpec } from "./kit.ts";
import { category, country, SALES_FILTER } from "./variables.ts";

const inRange = `FROM sales_metrics WHERE $__timeFilter(window_start) AND ${SALES_FILTER}`;

/** One of the four headline figures across the top: a stat a quarter of the width. */
const headline = (
  title: string,
  description: string,
  unit: string,
  select: string,
  fields: [string, string][],
): PanelSpec => ({ title, description, type: "stat", w: 6, h: 4, unit, targets: [sql(select)], fields });

export default dashboard({
  uid: "globalmart-sales-now",
  title: "Sales now",
  description: "Revenue, orders and payments in event time, per minute, from the stream layer.",
  tags: ["realtime", "sales"],
  from: "now-3h",
  refresh: "30s",
  variables: [category, country, customVariable("split", "Stack by", ["category", "country"])],
  rows: [
    [
      headline(
        "GMV",
        "Gross merchandise value: revenue of every transaction in the range.",
        "currencyUSD",
        `SELECT coalesce(sum(revenue), 0) AS gmv ${inRange}`,
        [["gmv", "GMV"]],
      ),
      headline(
        "Orders",
        "Transactions in the range.",
        "short",
        `SELECT coalesce(sum(transactions), 0) AS orders ${inRange}`,
        [["orders", "Orders"]],
      ),
      headline(
        "Average order value",
        "Revenue divided by transactions over the range.",
        "currencyUSD",
        `SELECT sum(revenue) / nullif(sum(transactions), 0) AS avg_order_value ${inRange}`,
        [["avg_order_value", "AOV"]],
      ),
      headline(
        "Net revenue",
        "Revenue less refunds in the range (refunds are not split by category or country).",
        "currencyUSD",
        `SELECT coalesce(sum(net_revenue), 0) AS net_revenue, coalesce(sum(refunded), 0) AS refunded
         FROM net_revenue_minute WHERE $__timeFilter(window_start)`,
        [
          ["net_revenue", "Net"],
          ["refunded", "Refunded"],
        ],
      ),
    ],
    [
      {
        title: "Revenue per minute by $split",
        description: "Revenue per event-time minute, stacked by category or country (the Stack by variable).",
        type: "timeseries",
        w: 24,
        h: 9,
        unit: "currencyUSD",
        interval: "1m",
        custom: {
          stacking: { mode: "normal", group: "A" },
          fillOpacity: 40,
          lineWidth: 1,
          drawStyle: "bars",
        },
        targets: [
          sql(
            `SELECT $__timeGroupAlias(window_start, $__interval),
               CASE WHEN \${split:sqlstring} = 'country' THEN country ELSE category END AS metric,
               sum(revenue) AS revenue
             ${inRange}
             GROUP BY 1, 2 ORDER BY 1, 2`,
            "time_series",
          ),
        ],
      },
    ],
    [
      {
        title: "Top 10 categories",
        description: "Categories by revenue in the range.",
        type: "bargauge",
        w: 8,
        h: 9,
        unit: "currencyUSD",
        options: {
          orientation: "horizontal",
          displayMode: "gradient",
          reduceOptions: { calcs: [], fields: "", values: true },
        },
        targets: [
          sql(`SELECT category, sum(revenue) AS revenue ${inRange} GROUP BY 1 ORDER BY 2 DESC LIMIT 10`),
        ],
        fields: [
          ["category", "Category"],
          ["revenue", "Revenue"],
        ],
      },
      {
        title: "Payments by method",
        description: "Amount paid per payment method in the range (all categories and countries).",
        type: "piechart",
        w: 8,
        h: 9,
        unit: "currencyUSD",
        options: {
          reduceOptions: { calcs: [], fields: "", values: true },
          pieType: "donut",
          legend: {
            showLegend: true,
            displayMode: "table",
            placement: "right",
            values: ["value", "percent"],
          },
        },
        targets: [
          sql(`SELECT payment_method, sum(amount) AS amount FROM payment_metrics
               WHERE $__timeFilter(window_start) GROUP BY 1 ORDER BY 2 DESC`),
        ],
        fields: [
          ["payment_method", "Method"],
          ["amount", "Amount"],
        ],
      },
      {
        title: "Gross, refunded and net revenue",
        description: "Per minute: what was sold, what was refunded, and the difference.",
        type: "timeseries",
        w: 8,
        h: 9,
        unit: "currencyUSD",
        interval: "1m",
        targets: [
          sql(
            `SELECT $__timeGroupAlias(window_start, $__interval), sum(gross_revenue) AS gross,
               sum(refunded) AS refunded, sum(net_revenue) AS net
             FROM net_revenue_minute WHERE $__timeFilter(window_start) GROUP BY 1 ORDER BY 1`,
            "time_series",
          ),
        ],
        overrides: [colorOf("refunded", "red")],
      },
    ],
  ],
});
