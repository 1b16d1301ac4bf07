/** 2. Fraud and anomalies: what the six anomaly rules flagged, and how much money it concerns. */
import { ANOMALY_TYPES } from "../../../core/anomaly-rules.ts";
import { customVariable, dashboard, sql, unitOf } from "./kit.ts";

const flagged =
  "FROM transaction_anomalies WHERE $__timeFilter(event_time) AND anomaly_type IN ($anomaly_type)";

export default dashboard({
  uid: "globalmart-fraud",
  title: "Fraud and anomalies",
  description: "Transactions the anomaly operator flagged, by rule, in event time.",
  tags: ["realtime", "fraud"],
  from: "now-6h",
  refresh: "30s",
  variables: [customVariable("anomaly_type", "Rule", ANOMALY_TYPES, { multi: true, includeAll: true })],
  rows: [
    [
      {
        title: "Anomalies per minute by rule",
        description: "Flags per event-time minute, stacked by anomaly type.",
        type: "timeseries",
        w: 16,
        h: 9,
        interval: "1m",
        custom: { stacking: { mode: "normal", group: "A" }, drawStyle: "bars", fillOpacity: 60 },
        targets: [
          sql(
            `SELECT $__timeGroupAlias(event_time, $__interval), anomaly_type AS metric, count(*) AS anomalies
             ${flagged} GROUP BY 1, 2 ORDER BY 1, 2`,
            "time_series",
          ),
        ],
      },
      {
        title: "Share of revenue flagged",
        description:
          "Amount of the flagged transactions (each counted once, whatever the number of rules) over all revenue in the range.",
        type: "stat",
        w: 8,
        h: 9,
        unit: "percentunit",
        decimals: 2,
        targets: [
          sql(`SELECT (SELECT coalesce(sum(amount), 0) FROM (SELECT DISTINCT ON (transaction_id) amount ${flagged}) f)
                 / nullif((SELECT sum(revenue) FROM sales_metrics WHERE $__timeFilter(window_start)), 0) AS flagged_share,
               (SELECT count(DISTINCT transaction_id) ${flagged}) AS flagged_transactions`),
        ],
        fields: [
          ["flagged_share", "Revenue flagged"],
          ["flagged_transactions", "Transactions flagged"],
        ],
        overrides: [unitOf("flagged_transactions", "short")],
      },
    ],
    [
      {
        title: "Latest anomalies",
        description: "The newest 100 flags with their score and the rule's own description.",
        type: "table",
        w: 16,
        h: 10,
        targets: [
          sql(`SELECT event_time AS "time", anomaly_type, round(score::numeric, 2) AS score, amount,
                 user_id::text AS user_id, description
               ${flagged} ORDER BY event_time DESC LIMIT 100`),
        ],
        fields: [
          ["time", "Time"],
          ["anomaly_type", "Rule"],
          ["score", "Score"],
          ["amount", "Amount"],
          ["user_id", "User"],
          ["description", "Why"],
        ],
      },
      {
        title: "Users with the most flags",
        description: "The ten users flagged most often in the range, with the amount concerned.",
        type: "table",
        w: 8,
        h: 10,
        targets: [
          sql(`SELECT user_id::text AS user_id, count(*) AS flags, sum(amount) AS amount
               ${flagged} GROUP BY 1 ORDER BY 2 DESC, 3 DESC LIMIT 10`),
        ],
        fields: [
          ["user_id", "User"],
          ["flags", "Flags"],
          ["amount", "Amount"],
        ],
      },
    ],
  ],
});
