/** 3. Inventory: stock that crossed a threshold, the stock of what sells, and this hour's velocity. */
import { colorOf, dashboard, sql } from "./kit.ts";
import { category } from "./variables.ts";

const alerts = `FROM low_stock_alerts a JOIN products p USING (product_id)
  WHERE $__timeFilter(a.event_time) AND p.category IN ($category)`;

export default dashboard({
  uid: "globalmart-inventory",
  title: "Inventory",
  description: "Low-stock alerts, current stock and sales velocity, from the inventory operator.",
  tags: ["realtime", "inventory"],
  from: "now-24h",
  refresh: "1m",
  variables: [category],
  rows: [
    [
      {
        title: "Alerts in range",
        description: "Threshold crossings: critical (at or below the critical level) and low.",
        type: "stat",
        w: 6,
        h: 8,
        targets: [
          sql(`SELECT count(*) FILTER (WHERE a.level = 'critical') AS critical,
                 count(*) FILTER (WHERE a.level = 'low') AS low ${alerts}`),
        ],
        fields: [
          ["critical", "Critical"],
          ["low", "Low"],
        ],
        overrides: [colorOf("critical", "red"), colorOf("low", "orange")],
      },
      {
        title: "Low-stock alerts",
        description: "Each crossing with the stock then and now.",
        type: "table",
        w: 18,
        h: 8,
        targets: [
          sql(`SELECT a.event_time AS "time", p.name, p.category, a.level, a.quantity AS stock_then,
                 s.quantity AS stock_now, a.threshold
               FROM low_stock_alerts a JOIN products p USING (product_id)
               LEFT JOIN inventory_status s USING (product_id)
               WHERE $__timeFilter(a.event_time) AND p.category IN ($category)
               ORDER BY a.event_time DESC LIMIT 200`),
        ],
        fields: [
          ["time", "Time"],
          ["name", "Product"],
          ["category", "Category"],
          ["level", "Level"],
          ["stock_then", "Stock at alert"],
          ["stock_now", "Stock now"],
          ["threshold", "Threshold"],
        ],
      },
    ],
    [
      {
        title: "Stock of the most-sold products",
        description:
          "Products with the most units in the hourly top-10 lists of the range, beside their stock now.",
        type: "bargauge",
        w: 12,
        h: 10,
        options: {
          orientation: "horizontal",
          displayMode: "basic",
          reduceOptions: { calcs: [], fields: "", values: true },
        },
        targets: [
          sql(`SELECT p.name, s.quantity AS stock, v.units AS units_sold
               FROM (SELECT product_id, sum(units) AS units FROM inventory_velocity
                     WHERE $__timeFilter(hour_start) GROUP BY 1) v
               JOIN products p USING (product_id) JOIN inventory_status s USING (product_id)
               WHERE p.category IN ($category)
               ORDER BY v.units DESC LIMIT 15`),
        ],
        fields: [
          ["name", "Product"],
          ["stock", "Stock"],
          ["units_sold", "Units sold"],
        ],
      },
      {
        title: "Velocity: top 10 of the last closed hour",
        description: "Units sold per product in the last full hour before the end of the range.",
        type: "table",
        w: 12,
        h: 10,
        targets: [
          sql(`SELECT v.hour_start AS "time", v.rank, p.name, v.category, v.units
               FROM inventory_velocity v JOIN products p USING (product_id)
               WHERE v.hour_start = (SELECT max(hour_start) FROM inventory_velocity
                                     WHERE hour_start + interval '1 hour' <= $__timeTo())
                 AND v.category IN ($category)
               ORDER BY v.rank`),
        ],
        fields: [
          ["time", "Hour"],
          ["rank", "Rank"],
          ["name", "Product"],
          ["category", "Category"],
          ["units", "Units"],
        ],
      },
    ],
  ],
});
