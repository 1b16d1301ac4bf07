-- Real-time layer outputs (SPEC section 4) and the stream processor's own state.
-- Money is numeric(18,2): the operators add integer cents, so sums are exact and a replayed
-- or recomputed window matches to the cent.

CREATE TABLE IF NOT EXISTS sales_metrics (
  window_start timestamptz NOT NULL,
  category     text NOT NULL,
  country      text NOT NULL,
  revenue      numeric(18, 2) NOT NULL,
  transactions bigint NOT NULL,
  units        bigint NOT NULL,
  avg_value    numeric(18, 2) NOT NULL,
  updated_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (window_start, category, country)
);

CREATE OR REPLACE VIEW sales_metrics_hourly AS
SELECT date_trunc('hour', window_start) AS hour_start, category, country,
       sum(revenue) AS revenue, sum(transactions) AS transactions, sum(units) AS units,
       round(sum(revenue) / nullif(sum(transactions), 0), 2) AS avg_value
FROM sales_metrics
GROUP BY 1, 2, 3;

CREATE TABLE IF NOT EXISTS transaction_anomalies (
  transaction_id uuid NOT NULL,
  anomaly_type   text NOT NULL,
  user_id        uuid NOT NULL,
  event_time     timestamptz NOT NULL,
  amount         numeric(18, 2) NOT NULL,
  score          double precision NOT NULL,
  description    text NOT NULL,
  detected_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (transaction_id, anomaly_type)
);
CREATE INDEX IF NOT EXISTS transaction_anomalies_time ON transaction_anomalies (event_time);

CREATE TABLE IF NOT EXISTS low_stock_alerts (
  product_id  uuid NOT NULL,
  level       text NOT NULL CHECK (level IN ('low', 'critical')),
  threshold   integer NOT NULL,
  quantity    integer NOT NULL,
  event_time  timestamptz NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  -- Once per crossing: stock only falls in this pipeline, so a level is crossed once.
  PRIMARY KEY (product_id, level)
);

-- Units sold per product and event-time hour, added to by every worker; inventory_velocity is
-- ranked from it when an hour closes.
CREATE TABLE IF NOT EXISTS product_hour_units (
  hour_start timestamptz NOT NULL,
  product_id uuid NOT NULL,
  units      bigint NOT NULL,
  PRIMARY KEY (hour_start, product_id)
);

CREATE TABLE IF NOT EXISTS inventory_velocity (
  hour_start timestamptz NOT NULL,
  product_id uuid NOT NULL,
  category   text NOT NULL,
  units      bigint NOT NULL,
  rank       integer NOT NULL,
  computed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (hour_start, product_id)
);

-- A session id seen again after more than the inactivity gap starts a new session, hence the
-- start in the key.
CREATE TABLE IF NOT EXISTS session_metrics (
  session_id      uuid NOT NULL,
  user_id         uuid NOT NULL,
  session_start   timestamptz NOT NULL,
  session_end     timestamptz NOT NULL,
  duration_seconds double precision NOT NULL,
  page_views      integer NOT NULL,
  cart_adds       integer NOT NULL,
  cart_removes    integer NOT NULL,
  cart_updates    integer NOT NULL,
  purchases       integer NOT NULL,
  purchased       boolean NOT NULL,
  purchase_amount numeric(18, 2) NOT NULL,
  abandoned       boolean NOT NULL,
  PRIMARY KEY (session_id, session_start)
);
CREATE INDEX IF NOT EXISTS session_metrics_start ON session_metrics (session_start);

CREATE TABLE IF NOT EXISTS cart_abandonment (
  session_id         uuid PRIMARY KEY,
  user_id            uuid NOT NULL,
  last_cart_activity timestamptz NOT NULL,
  abandoned_at       timestamptz NOT NULL,
  items              integer NOT NULL,
  distinct_products  integer NOT NULL,
  cart_value         numeric(18, 2) NOT NULL
);

CREATE TABLE IF NOT EXISTS funnel_metrics (
  window_start timestamptz PRIMARY KEY,
  views        bigint NOT NULL,
  cart_adds    bigint NOT NULL,
  purchases    bigint NOT NULL,
  view_to_cart double precision,
  cart_to_purchase double precision,
  view_to_purchase double precision
);

CREATE TABLE IF NOT EXISTS payment_metrics (
  window_start   timestamptz NOT NULL,
  payment_method text NOT NULL,
  transactions   bigint NOT NULL,
  amount         numeric(18, 2) NOT NULL,
  PRIMARY KEY (window_start, payment_method)
);

CREATE TABLE IF NOT EXISTS refund_metrics (
  window_start timestamptz PRIMARY KEY,
  refunds      bigint NOT NULL,
  amount       numeric(18, 2) NOT NULL
);

-- Net revenue per minute: sales minus refunds, each by its own event time.
CREATE OR REPLACE VIEW net_revenue_minute AS
SELECT coalesce(s.window_start, r.window_start) AS window_start,
       coalesce(s.revenue, 0) AS gross_revenue,
       coalesce(r.amount, 0) AS refunded,
       coalesce(s.revenue, 0) - coalesce(r.amount, 0) AS net_revenue
FROM (SELECT window_start, sum(revenue) AS revenue FROM sales_metrics GROUP BY 1) s
FULL JOIN refund_metrics r ON r.window_start = s.window_start;

-- Per topic and processing minute (wall clock, unlike every other table).
CREATE TABLE IF NOT EXISTS operational_metrics (
  minute       timestamptz NOT NULL,
  topic        text NOT NULL,
  events       bigint NOT NULL,
  bytes        bigint NOT NULL,
  dlq          bigint NOT NULL,
  late         bigint NOT NULL,
  duplicates   bigint NOT NULL,
  -- The largest lag seen in the minute, over the partitions of the workers that reported.
  consumer_lag bigint,
  PRIMARY KEY (minute, topic)
);

-- Events older than their partition's watermark: kept, counted, never folded into a window.
CREATE TABLE IF NOT EXISTS late_events (
  topic      text NOT NULL,
  kafka_partition integer NOT NULL,
  kafka_offset bigint NOT NULL,
  event_time timestamptz NOT NULL,
  watermark  timestamptz NOT NULL,
  payload    jsonb NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (topic, kafka_partition, kafka_offset)
);

-- The stream processor's own state. A shard is partition N of every input topic (they are
-- co-partitioned); `epoch` is bumped by each new owner, and a commit whose epoch is stale is
-- refused, so a worker that lost its shard in a rebalance cannot write.
CREATE TABLE IF NOT EXISTS stream_shards (
  group_id text NOT NULL,
  shard    integer NOT NULL,
  epoch    bigint NOT NULL,
  owner    text NOT NULL,
  taken_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (group_id, shard)
);

CREATE TABLE IF NOT EXISTS stream_offsets (
  group_id    text NOT NULL,
  topic       text NOT NULL,
  kafka_partition integer NOT NULL,
  next_offset bigint NOT NULL,
  PRIMARY KEY (group_id, topic, kafka_partition)
);

CREATE TABLE IF NOT EXISTS stream_state (
  group_id text NOT NULL,
  shard    integer NOT NULL,
  ns       text NOT NULL,
  key      text NOT NULL,
  -- JSON as text: written on every commit and only ever read back whole, so Postgres need not
  -- parse it into jsonb (measured: a third of the state upsert's time).
  value    text NOT NULL,
  PRIMARY KEY (group_id, shard, ns, key)
);

-- Dead letters decided by the stream layer, exactly once per source record (the copy on the
-- dlq.events topic is at least once).
CREATE TABLE IF NOT EXISTS stream_dead_letters (
  topic       text NOT NULL,
  kafka_partition integer NOT NULL,
  kafka_offset bigint NOT NULL,
  reason      text NOT NULL,
  record      jsonb NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (topic, kafka_partition, kafka_offset)
);
