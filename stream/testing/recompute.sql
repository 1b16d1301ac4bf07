-- An independent recomputation of the stream layer's tables from an events.ndjson file (SPEC
-- section 7 format) and products.ndjson, in DuckDB SQL: whole-file GROUP BYs and window
-- functions instead of incremental operators. The golden test compares it with what the stream
-- layer wrote, row by row. Expects `events_file` and `products_file` as DuckDB variables.

CREATE TABLE raw AS
SELECT row_number() OVER () AS seq, topic, value
FROM read_json(getvariable('events_file'), format = 'newline_delimited',
               columns = {topic: 'VARCHAR', key: 'VARCHAR', value: 'JSON'});

CREATE TABLE products AS
SELECT product_id, category, CAST(round(price * 100) AS BIGINT) AS price_cents, inventory
FROM read_json(getvariable('products_file'), format = 'newline_delimited');

-- Each event once (by its id), first occurrence wins, as a consumer reading the file in order would.
CREATE TABLE tx AS
SELECT * FROM (
  SELECT seq, value ->> 'transaction_id' AS id, value ->> 'user_id' AS user_id, value ->> 'session_id' AS session_id,
         epoch_ms(CAST(value ->> 'timestamp' AS TIMESTAMPTZ)) AS t, value ->> 'payment_method' AS method,
         value ->> 'country' AS country, CAST(round(CAST(value ->> 'total_amount' AS DOUBLE) * 100) AS BIGINT) AS cents,
         from_json(value -> 'products', '[{"product_id":"VARCHAR","quantity":"BIGINT","price":"DOUBLE"}]') AS items
  FROM raw WHERE topic = 'transactions')
QUALIFY row_number() OVER (PARTITION BY id ORDER BY seq) = 1;

CREATE TABLE items AS
SELECT tx.id, tx.t, tx.country, it.product_id, it.quantity, CAST(round(it.price * 100) AS BIGINT) AS price_cents
FROM tx, (SELECT unnest(tx.items) AS it);

CREATE TABLE views AS
SELECT * FROM (
  SELECT seq, value ->> 'event_id' AS id, value ->> 'user_id' AS user_id, value ->> 'session_id' AS session_id,
         epoch_ms(CAST(value ->> 'timestamp' AS TIMESTAMPTZ)) AS t
  FROM raw WHERE topic = 'product_views')
QUALIFY row_number() OVER (PARTITION BY id ORDER BY seq) = 1;

CREATE TABLE carts AS
SELECT * FROM (
  SELECT seq, value ->> 'event_id' AS id, value ->> 'user_id' AS user_id, value ->> 'session_id' AS session_id,
         epoch_ms(CAST(value ->> 'timestamp' AS TIMESTAMPTZ)) AS t, value ->> 'action' AS action,
         value ->> 'product_id' AS product_id, CAST(value ->> 'quantity' AS BIGINT) AS quantity
  FROM raw WHERE topic = 'cart_events')
QUALIFY row_number() OVER (PARTITION BY id ORDER BY seq) = 1;

CREATE TABLE refunds AS
SELECT * FROM (
  SELECT seq, value ->> 'refund_id' AS id, epoch_ms(CAST(value ->> 'timestamp' AS TIMESTAMPTZ)) AS t,
         CAST(round(CAST(value ->> 'amount' AS DOUBLE) * 100) AS BIGINT) AS cents, value ->> 'reason' AS reason
  FROM raw WHERE topic = 'refunds')
QUALIFY row_number() OVER (PARTITION BY id ORDER BY seq) = 1;

CREATE VIEW expected_sales AS
SELECT (t // 60000) * 60000 AS w, coalesce(p.category, 'unknown') AS category, country,
       sum(i.price_cents * quantity) AS revenue_cents, count(DISTINCT id) AS transactions, sum(quantity) AS units
FROM items i LEFT JOIN products p USING (product_id)
GROUP BY ALL;

CREATE VIEW expected_funnel AS
WITH all_minutes AS (
  SELECT (t // 60000) * 60000 AS w, 1 AS v, 0 AS a, 0 AS p FROM views
  UNION ALL SELECT (t // 60000) * 60000, 0, CASE WHEN action = 'add' THEN 1 ELSE 0 END, 0 FROM carts
  UNION ALL SELECT (t // 60000) * 60000, 0, 0, 1 FROM tx)
SELECT w, sum(v) AS views, sum(a) AS cart_adds, sum(p) AS purchases FROM all_minutes GROUP BY w;

CREATE VIEW expected_payments AS
SELECT (t // 60000) * 60000 AS w, method, count(*) AS transactions, sum(cents) AS cents FROM tx GROUP BY ALL;

CREATE VIEW expected_refunds AS
SELECT (t // 60000) * 60000 AS w, count(*) AS refunds, sum(cents) AS cents FROM refunds GROUP BY ALL;

CREATE VIEW expected_refund_reasons AS
SELECT (t // 3600000) * 3600000 AS h, reason, count(*) AS refunds, sum(cents) AS cents FROM refunds GROUP BY ALL;

-- Anomalies: the rules of core/anomaly-rules.ts, as self-joins over each user's transactions.
CREATE TABLE ordered_tx AS
SELECT *, count(*) OVER w AS n_before, avg(cents) OVER w AS mean_before, stddev_pop(cents) OVER w AS std_before
FROM tx WINDOW w AS (PARTITION BY user_id ORDER BY seq ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING);

CREATE VIEW expected_anomalies AS
WITH run_ends AS (
  -- For every transaction j: the runs ending at it, per rule.
  SELECT j.id, j.user_id, j.t,
         count(*) FILTER (WHERE j.t - i.t < getvariable('rapid_ms')) AS rapid_n,
         count(*) FILTER (WHERE i.cents < getvariable('tiny_cents') AND j.t - i.t < getvariable('velocity_ms')) AS tiny_n,
         count(*) FILTER (WHERE j.t - i.t < getvariable('velocity_ms')) AS vel_n,
         sum(i.cents) FILTER (WHERE j.t - i.t < getvariable('velocity_ms')) AS vel_sum,
         j.cents < getvariable('tiny_cents') AS j_tiny
  FROM tx j JOIN tx i ON i.user_id = j.user_id AND i.t <= j.t AND j.t - i.t < getvariable('velocity_ms') AND i.seq <= j.seq
  GROUP BY j.id, j.user_id, j.t, j.cents),
members AS (
  SELECT i.id, 'rapid_transactions' AS anomaly_type FROM run_ends e
    JOIN tx i ON i.user_id = e.user_id AND i.t <= e.t AND e.t - i.t < getvariable('rapid_ms')
    WHERE e.rapid_n >= getvariable('rapid_count')
  UNION SELECT i.id, 'card_testing' FROM run_ends e
    JOIN tx i ON i.user_id = e.user_id AND i.t <= e.t AND e.t - i.t < getvariable('velocity_ms') AND i.cents < getvariable('tiny_cents')
    WHERE e.j_tiny AND e.tiny_n >= getvariable('card_count')
  UNION SELECT i.id, 'velocity_amount' FROM run_ends e
    JOIN tx i ON i.user_id = e.user_id AND i.t <= e.t AND e.t - i.t < getvariable('velocity_ms')
    WHERE e.vel_n >= 2 AND e.vel_sum > getvariable('velocity_cents'))
SELECT id, anomaly_type FROM members
UNION SELECT id, 'high_value' FROM tx WHERE cents > getvariable('high_value_cents')
UNION SELECT DISTINCT id, 'unusual_quantity' FROM items WHERE quantity > getvariable('unusual_quantity')
UNION SELECT id, 'statistical_outlier' FROM ordered_tx
  WHERE n_before >= getvariable('outlier_min') AND cents > mean_before + getvariable('outlier_sigmas') * std_before
    AND cents >= getvariable('outlier_ratio') * mean_before;

-- Sessions: every event with a session id; a gap of more than 30 minutes starts a new session.
CREATE TABLE session_events AS
SELECT session_id, user_id, t, seq, 'view' AS kind, NULL AS action, NULL AS product_id, NULL::BIGINT AS quantity, NULL::BIGINT AS cents FROM views
UNION ALL SELECT session_id, user_id, t, seq, 'cart', action, product_id, quantity, NULL FROM carts
UNION ALL SELECT session_id, user_id, t, seq, 'purchase', NULL, NULL, NULL, cents FROM tx WHERE session_id IS NOT NULL;

CREATE TABLE pieces AS
SELECT *, sum(gap) OVER (PARTITION BY session_id ORDER BY t, seq) AS piece FROM (
  SELECT *, CASE WHEN t - lag(t) OVER (PARTITION BY session_id ORDER BY t, seq) > getvariable('gap_ms') THEN 1 ELSE 0 END AS gap
  FROM session_events);

-- The cart a session ends with: cart events after its last checkout, folded per product
-- (the last update or remove sets the base, later adds add to it).
CREATE VIEW final_cart AS
WITH last_buy AS (SELECT session_id, piece, max(t) AS t FROM pieces WHERE kind = 'purchase' GROUP BY ALL),
live AS (
  SELECT p.* FROM pieces p LEFT JOIN last_buy b USING (session_id, piece)
  WHERE p.kind = 'cart' AND (b.t IS NULL OR p.t > b.t)),
resets AS (
  SELECT session_id, piece, product_id, arg_max(CASE WHEN action = 'update' THEN quantity ELSE 0 END, (t, seq)) AS base,
         max((t, seq)) AS at
  FROM live WHERE action IN ('update', 'remove') GROUP BY ALL),
lines AS (
  SELECT l.session_id, l.piece, l.product_id,
         coalesce(any_value(r.base), 0) + coalesce(sum(l.quantity) FILTER (WHERE l.action = 'add' AND (r.at IS NULL OR (l.t, l.seq) > r.at)), 0) AS quantity
  FROM live l LEFT JOIN resets r USING (session_id, piece, product_id)
  GROUP BY ALL)
SELECT * FROM lines WHERE quantity > 0;

CREATE VIEW expected_sessions AS
SELECT p.session_id, p.piece, any_value(user_id) AS user_id, min(t) AS session_start, max(t) AS session_end,
       count(*) FILTER (WHERE kind = 'view') AS page_views,
       count(*) FILTER (WHERE kind = 'cart' AND action = 'add') AS cart_adds,
       count(*) FILTER (WHERE kind = 'cart' AND action = 'remove') AS cart_removes,
       count(*) FILTER (WHERE kind = 'cart' AND action = 'update') AS cart_updates,
       count(*) FILTER (WHERE kind = 'purchase') AS purchases,
       coalesce(sum(cents), 0) AS purchase_cents,
       EXISTS (SELECT 1 FROM final_cart c WHERE c.session_id = p.session_id AND c.piece = p.piece) AS abandoned,
       max(t) FILTER (WHERE kind = 'cart') AS last_cart
FROM pieces p GROUP BY p.session_id, p.piece;

CREATE VIEW expected_abandonment AS
SELECT s.session_id, s.user_id, s.last_cart, sum(c.quantity) AS items, count(*) AS distinct_products,
       sum(c.quantity * coalesce(p.price_cents, 0)) AS value_cents
FROM expected_sessions s
JOIN final_cart c ON c.session_id = s.session_id AND c.piece = s.piece
LEFT JOIN products p ON p.product_id = c.product_id
GROUP BY s.session_id, s.user_id, s.last_cart;

CREATE VIEW expected_stock AS
SELECT product_id, any_value(p.inventory) - sum(quantity) AS quantity
FROM items JOIN products p USING (product_id) GROUP BY product_id;

CREATE VIEW expected_alerts AS
SELECT s.product_id, l.level FROM expected_stock s JOIN products p USING (product_id)
CROSS JOIN (VALUES ('low', 10), ('critical', 5)) AS l(level, threshold)
WHERE p.inventory > l.threshold AND s.quantity <= l.threshold;

CREATE VIEW expected_velocity AS
WITH hourly AS (
  SELECT (t // 3600000) * 3600000 AS hour, product_id, sum(quantity) AS units FROM items GROUP BY ALL)
SELECT * FROM (
  SELECT hour, product_id, units, dense_rank() OVER (PARTITION BY hour ORDER BY units DESC) AS rank FROM hourly)
WHERE rank <= 10;
