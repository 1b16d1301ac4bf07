/** 4. Journeys: the funnel, sessions and abandoned carts, from the session and funnel operators. */
import { colorOf, dashboard, sql, unitOf } from "./kit.ts";

const sessions = "FROM session_metrics WHERE $__timeFilter(session_start)";

export default dashboard({
  uid: "globalmart-journeys",
  title: "Journeys",
  description: "How visitors move from views to carts to purchases, and what they leave behind.",
  tags: ["realtime", "sessions"],
  from: "now-6h",
  refresh: "1m",
  rows: [
    [
      {
        title: "Funnel",
        description: "Product views, cart adds and purchases in the range.",
        type: "bargauge",
        w: 12,
        h: 8,
        options: {
          orientation: "horizontal",
          displayMode: "gradient",
          reduceOptions: { calcs: [], fields: "", values: true },
        },
        targets: [
          sql(`SELECT sum(views) AS views, sum(cart_adds) AS cart_adds, sum(purchases) AS purchases
               FROM funnel_metrics WHERE $__timeFilter(window_start)`),
        ],
        fields: [
          ["views", "Views"],
          ["cart_adds", "Cart adds"],
          ["purchases", "Purchases"],
        ],
      },
      {
        title: "Conversion",
        description: "Step-to-step conversion rates over the range (not averages of per-minute rates).",
        type: "stat",
        w: 12,
        h: 8,
        unit: "percentunit",
        decimals: 1,
        targets: [
          sql(`SELECT sum(cart_adds)::float8 / nullif(sum(views), 0) AS view_to_cart,
                 sum(purchases)::float8 / nullif(sum(cart_adds), 0) AS cart_to_purchase,
                 sum(purchases)::float8 / nullif(sum(views), 0) AS view_to_purchase
               FROM funnel_metrics WHERE $__timeFilter(window_start)`),
        ],
        fields: [
          ["view_to_cart", "View → cart"],
          ["cart_to_purchase", "Cart → purchase"],
          ["view_to_purchase", "View → purchase"],
        ],
      },
    ],
    [
      {
        title: "Sessions per minute",
        description: "Sessions by start minute, and those that ended in a purchase.",
        type: "timeseries",
        w: 12,
        h: 9,
        interval: "1m",
        targets: [
          sql(
            `SELECT $__timeGroupAlias(session_start, $__interval), count(*) AS sessions,
               count(*) FILTER (WHERE purchased) AS purchasing
             ${sessions} GROUP BY 1 ORDER BY 1`,
            "time_series",
          ),
        ],
        overrides: [colorOf("purchasing", "green")],
      },
      {
        title: "Session length",
        description: "Median, 90th percentile and mean session duration (30-minute inactivity gap).",
        type: "stat",
        w: 6,
        h: 9,
        unit: "s",
        decimals: 0,
        targets: [
          sql(`SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY duration_seconds) AS p50,
                 percentile_cont(0.9) WITHIN GROUP (ORDER BY duration_seconds) AS p90,
                 avg(duration_seconds) AS mean
               ${sessions}`),
        ],
        fields: [
          ["p50", "Median"],
          ["p90", "p90"],
          ["mean", "Mean"],
        ],
      },
      {
        title: "Cart abandonment",
        description:
          "Abandoned sessions over sessions that added to a cart, and the value of the carts abandoned in the range.",
        type: "stat",
        w: 6,
        h: 9,
        targets: [
          sql(`SELECT (SELECT count(*) FILTER (WHERE abandoned)::float8 / nullif(count(*) FILTER (WHERE cart_adds > 0), 0)
                       ${sessions}) AS abandonment_rate,
                 (SELECT coalesce(sum(cart_value), 0) FROM cart_abandonment
                  WHERE $__timeFilter(abandoned_at)) AS value_left`),
        ],
        fields: [
          ["abandonment_rate", "Abandonment"],
          ["value_left", "Left in carts"],
        ],
        overrides: [unitOf("abandonment_rate", "percentunit"), unitOf("value_left", "currencyUSD")],
      },
    ],
  ],
});
