-- What `lakehouse stream rebuild` does, in one transaction. The point in time and the group are
-- the transaction's settings lakehouse.rebuild_from and lakehouse.rebuild_group. One statement
-- per table; each reports how many rows it removed.

-- Rows keyed at or after the point in time: recomputed by the replay.
DELETE FROM sales_metrics WHERE window_start >= current_setting('lakehouse.rebuild_from')::timestamptz;
DELETE FROM sales_minute_rollups WHERE window_start >= current_setting('lakehouse.rebuild_from')::timestamptz;
DELETE FROM funnel_metrics WHERE window_start >= current_setting('lakehouse.rebuild_from')::timestamptz;
DELETE FROM payment_metrics WHERE window_start >= current_setting('lakehouse.rebuild_from')::timestamptz;
DELETE FROM refund_metrics WHERE window_start >= current_setting('lakehouse.rebuild_from')::timestamptz;
DELETE FROM refund_reasons_hourly WHERE hour_start >= current_setting('lakehouse.rebuild_from')::timestamptz;
DELETE FROM product_hour_units WHERE hour_start >= current_setting('lakehouse.rebuild_from')::timestamptz;
DELETE FROM inventory_velocity WHERE hour_start >= current_setting('lakehouse.rebuild_from')::timestamptz;
DELETE FROM transaction_anomalies WHERE event_time >= current_setting('lakehouse.rebuild_from')::timestamptz;
DELETE FROM session_metrics WHERE session_end >= current_setting('lakehouse.rebuild_from')::timestamptz;
DELETE FROM cart_abandonment WHERE abandoned_at >= current_setting('lakehouse.rebuild_from')::timestamptz;
DELETE FROM low_stock_alerts WHERE event_time >= current_setting('lakehouse.rebuild_from')::timestamptz;

-- The current stock is replayed from the catalogue's.
UPDATE inventory_status i SET quantity = p.inventory, updated_at = now()
FROM products p WHERE p.product_id = i.product_id AND i.quantity <> p.inventory;

-- The group starts again from the oldest retained record, with empty state; a worker that
-- still held a shard is fenced at its next commit (its epoch row is gone).
DELETE FROM stream_offsets WHERE group_id = current_setting('lakehouse.rebuild_group');
DELETE FROM stream_state_log WHERE group_id = current_setting('lakehouse.rebuild_group');
DELETE FROM stream_shards WHERE group_id = current_setting('lakehouse.rebuild_group');

INSERT INTO stream_rebuilds (group_id, from_time)
VALUES (current_setting('lakehouse.rebuild_group'), current_setting('lakehouse.rebuild_from')::timestamptz)
ON CONFLICT (group_id) DO UPDATE SET from_time = EXCLUDED.from_time, requested_at = now();
