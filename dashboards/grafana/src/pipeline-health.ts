/**
 * 6. Pipeline health: throughput, lag and latency of the services (Prometheus), dead letters and
 * late events per topic (the stream's own operational_metrics), batch runs (the API), and the
 * API's request rate and p99.
 */
import { api, dashboard, promql, sql, unitOf } from "./kit.ts";

const p99 = (metric: string, by = "") =>
  `histogram_quantile(0.99, sum by (le${by}) (rate(${metric}_bucket[$__rate_interval])))`;

export default dashboard({
  uid: "globalmart-pipeline",
  title: "Pipeline health",
  description:
    "Is every stage keeping up? Rates, lag and commit latency of the services, DLQ and late events, batch runs.",
  tags: ["ops"],
  from: "now-1h",
  refresh: "10s",
  rows: [
    [
      {
        title: "Events per second by topic",
        description: "Records the stream workers consume, all instances summed.",
        type: "timeseries",
        w: 12,
        h: 8,
        unit: "ops",
        targets: [promql("sum by (topic) (rate(stream_events_total[$__rate_interval]))", "{{topic}}")],
      },
      {
        title: "Consumer lag by topic",
        description: "Records in Kafka the stream workers have not read yet, over the partitions each owns.",
        type: "timeseries",
        w: 12,
        h: 8,
        unit: "short",
        targets: [promql("sum by (topic) (stream_consumer_lag)", "{{topic}}")],
      },
    ],
    [
      {
        title: "DLQ, late and duplicate events by topic",
        description: "From operational_metrics (processing time): what was set aside, and why.",
        type: "table",
        w: 12,
        h: 8,
        targets: [
          sql(`SELECT topic, sum(events) AS events, sum(dlq) AS dlq, sum(late) AS late, sum(duplicates) AS duplicates,
                 max(consumer_lag) AS max_lag
               FROM operational_metrics WHERE $__timeFilter(minute) GROUP BY 1 ORDER BY 1`),
        ],
        fields: [
          ["topic", "Topic"],
          ["events", "Events"],
          ["dlq", "DLQ"],
          ["late", "Late"],
          ["duplicates", "Duplicates"],
          ["max_lag", "Max lag"],
        ],
      },
      {
        title: "Commit latency p99",
        description:
          "Stream: one shard batch committed to Postgres. Sink: one bronze file written, uploaded and committed.",
        type: "timeseries",
        w: 12,
        h: 8,
        unit: "s",
        targets: [
          promql(p99("stream_commit_seconds"), "stream commit"),
          promql(p99("lake_sink_flush_seconds"), "sink flush"),
        ],
      },
    ],
    [
      {
        title: "Batch runs",
        description: "The latest nightly runs: snapshot date, status and duration.",
        type: "table",
        w: 12,
        h: 8,
        targets: [
          api("/v1/warehouse/batch-runs?limit=50", "data", [
            { selector: "started_at", type: "timestamp" },
            { selector: "job", type: "string" },
            { selector: "snapshot_date", type: "string" },
            { selector: "status", type: "string" },
            { selector: "duration_ms", type: "number" },
            { selector: "error", type: "string" },
          ]),
        ],
        overrides: [unitOf("duration_ms", "ms")],
      },
      {
        title: "API requests per second and p99",
        description:
          "Requests by status class, and the 99th percentile of request duration over every route.",
        type: "timeseries",
        w: 12,
        h: 8,
        unit: "reqps",
        targets: [
          promql(
            'sum by (status) (rate(lakehouse_api_requests_total{route!="/metrics"}[$__rate_interval]))',
            "{{status}}",
          ),
          promql(p99("lakehouse_api_request_duration_seconds"), "p99"),
        ],
        overrides: [
          {
            matcher: { id: "byFrameRefID", options: "B" },
            properties: [
              { id: "unit", value: "s" },
              { id: "custom.axisPlacement", value: "right" },
            ],
          },
        ],
      },
    ],
  ],
});
