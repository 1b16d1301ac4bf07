/**
 * Writes a batch's output rows with multi-row statements (one per table, arrays bound as
 * parameters and expanded with unnest). Tables that every shard writes to take additive
 * upserts, so concurrent workers never overwrite each other; the rest are keyed by natural
 * keys and idempotent. Rows are sorted by key so concurrent transactions lock in one order.
 */
import type { SqlClient } from "../../core/db/sql.ts";
import type { BatchOutput, TopicCounts } from "../operators/output.ts";
import { rollUpSales } from "../operators/sales-rollup.ts";
import { LOW_STOCK_LEVELS } from "../operators/thresholds.ts";

const sortedValues = <V>(m: Map<string | number, V>) =>
  [...m.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map((e) => e[1]);

const ts = (column: string) => `to_timestamp(${column}::double precision / 1000)`;

export async function writeOutput(
  tx: SqlClient,
  out: BatchOutput,
  ops: { minute: number; lag: ReadonlyMap<string, number> },
): Promise<void> {
  if (out.sales.size > 0) {
    const rows = sortedValues(out.sales);
    await tx.query(
      `INSERT INTO sales_metrics AS s (window_start, category, country, revenue, transactions, units, avg_value)
       SELECT ${ts("w")}, c, k, r::numeric / 100, t, u, round(r::numeric / 100 / t, 2)
       FROM unnest($1::bigint[], $2::text[], $3::text[], $4::bigint[], $5::bigint[], $6::bigint[]) AS d(w, c, k, r, t, u)
       ON CONFLICT (window_start, category, country) DO UPDATE SET
         revenue = s.revenue + EXCLUDED.revenue,
         transactions = s.transactions + EXCLUDED.transactions,
         units = s.units + EXCLUDED.units,
         avg_value = round((s.revenue + EXCLUDED.revenue) / (s.transactions + EXCLUDED.transactions), 2),
         updated_at = now()`,
      [
        rows.map((r) => r.window),
        rows.map((r) => r.category),
        rows.map((r) => r.country),
        rows.map((r) => r.revenueCents),
        rows.map((r) => r.transactions),
        rows.map((r) => r.units),
      ],
    );
    const rollups = rollUpSales(rows);
    await tx.query(
      `INSERT INTO sales_minute_rollups AS s (category, country, window_start, revenue, transactions, units)
       SELECT c, k, ${ts("w")}, r::numeric / 100, t, u
       FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[]) AS d(c, k, w, r, t, u)
       ON CONFLICT (category, country, window_start) DO UPDATE SET
         revenue = s.revenue + EXCLUDED.revenue,
         transactions = s.transactions + EXCLUDED.transactions,
         units = s.units + EXCLUDED.units`,
      [
        rollups.map((r) => r.category),
        rollups.map((r) => r.country),
        rollups.map((r) => r.window),
        rollups.map((r) => r.revenueCents),
        rollups.map((r) => r.transactions),
        rollups.map((r) => r.units),
      ],
    );
  }
  if (out.funnel.size > 0) {
    const keys = [...out.funnel.keys()].sort((a, b) => a - b);
    const f = keys.map((k) => out.funnel.get(k)!);
    await tx.query(
      `INSERT INTO funnel_metrics AS f (window_start, views, cart_adds, purchases)
       SELECT ${ts("w")}, v, c, p FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[]) AS d(w, v, c, p)
       ON CONFLICT (window_start) DO UPDATE SET
         views = f.views + EXCLUDED.views,
         cart_adds = f.cart_adds + EXCLUDED.cart_adds,
         purchases = f.purchases + EXCLUDED.purchases`,
      [keys, f.map((x) => x.views), f.map((x) => x.cartAdds), f.map((x) => x.purchases)],
    );
    // Rates from the stored totals, so they are right whichever worker added last.
    await tx.query(
      `UPDATE funnel_metrics SET
         view_to_cart = cart_adds::double precision / nullif(views, 0),
         cart_to_purchase = purchases::double precision / nullif(cart_adds, 0),
         view_to_purchase = purchases::double precision / nullif(views, 0)
       WHERE window_start = ANY (SELECT ${ts("w")} FROM unnest($1::bigint[]) AS d(w))`,
      [keys],
    );
  }
  if (out.payments.size > 0) {
    const rows = sortedValues(out.payments);
    await tx.query(
      `INSERT INTO payment_metrics AS p (window_start, payment_method, transactions, amount)
       SELECT ${ts("w")}, m, t, a::numeric / 100 FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::bigint[]) AS d(w, m, t, a)
       ON CONFLICT (window_start, payment_method) DO UPDATE SET
         transactions = p.transactions + EXCLUDED.transactions, amount = p.amount + EXCLUDED.amount`,
      [
        rows.map((r) => r.window),
        rows.map((r) => r.method),
        rows.map((r) => r.transactions),
        rows.map((r) => r.cents),
      ],
    );
  }
  if (out.refunds.size > 0) {
    const keys = [...out.refunds.keys()].sort((a, b) => a - b);
    const r = keys.map((k) => out.refunds.get(k)!);
    await tx.query(
      `INSERT INTO refund_metrics AS r (window_start, refunds, amount)
       SELECT ${ts("w")}, n, a::numeric / 100 FROM unnest($1::bigint[], $2::bigint[], $3::bigint[]) AS d(w, n, a)
       ON CONFLICT (window_start) DO UPDATE SET refunds = r.refunds + EXCLUDED.refunds, amount = r.amount + EXCLUDED.amount`,
      [keys, r.map((x) => x.refunds), r.map((x) => x.cents)],
    );
  }
  if (out.productHours.size > 0) {
    const rows = sortedValues(out.productHours);
    await tx.query(
      `INSERT INTO product_hour_units AS p (hour_start, product_id, units)
       SELECT ${ts("h")}, id::uuid, u FROM unnest($1::bigint[], $2::text[], $3::bigint[]) AS d(h, id, u)
       ON CONFLICT (hour_start, product_id) DO UPDATE SET units = p.units + EXCLUDED.units`,
      [rows.map((r) => r.hour), rows.map((r) => r.product), rows.map((r) => r.units)],
    );
  }
  if (out.stock.size > 0) {
    const ids = [...out.stock.keys()].sort();
    const s = ids.map((id) => out.stock.get(id)!);
    // A level is crossed by the update that takes stock from above it to at or below it; stock
    // only falls here, so that happens once per product and level, on whichever worker.
    await tx.query(
      `WITH d AS (SELECT * FROM unnest($1::text[], $2::int[], $3::bigint[]) AS d(id, units, t)),
       u AS (
         UPDATE inventory_status i SET quantity = i.quantity - d.units, updated_at = now()
         FROM d WHERE i.product_id = d.id::uuid
         RETURNING i.product_id, i.quantity AS after, d.units, d.t)
       INSERT INTO low_stock_alerts (product_id, level, threshold, quantity, event_time)
       SELECT u.product_id, l.level, l.threshold, u.after, ${ts("u.t")}
       FROM u CROSS JOIN unnest($4::text[], $5::int[]) AS l(level, threshold)
       WHERE u.after + u.units > l.threshold AND u.after <= l.threshold
       ON CONFLICT (product_id, level) DO NOTHING`,
      [
        ids,
        s.map((x) => x.units),
        s.map((x) => x.eventTime),
        LOW_STOCK_LEVELS.map((l) => l.level),
        LOW_STOCK_LEVELS.map((l) => l.threshold),
      ],
    );
  }
  if (out.anomalies.size > 0) {
    const rows = sortedValues(out.anomalies);
    await tx.query(
      `INSERT INTO transaction_anomalies AS a (transaction_id, anomaly_type, user_id, event_time, amount, score, description)
       SELECT id::uuid, t, u::uuid, ${ts("e")}, c::numeric / 100, s, d
       FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::bigint[], $6::float8[], $7::text[]) AS x(id, t, u, e, c, s, d)
       ON CONFLICT (transaction_id, anomaly_type) DO UPDATE SET
         score = EXCLUDED.score, description = EXCLUDED.description, detected_at = now()
       WHERE EXCLUDED.score > a.score`,
      [
        rows.map((r) => r.transactionId),
        rows.map((r) => r.type),
        rows.map((r) => r.userId),
        rows.map((r) => r.eventTime),
        rows.map((r) => r.amountCents),
        rows.map((r) => r.score),
        rows.map((r) => r.description),
      ],
    );
  }
  if (out.sessions.length > 0) {
    const rows = [...out.sessions].sort((a, b) => (a.sessionId < b.sessionId ? -1 : 1));
    await tx.query(
      `INSERT INTO session_metrics (session_id, user_id, session_start, session_end, duration_seconds, page_views,
         cart_adds, cart_removes, cart_updates, purchases, purchased, purchase_amount, abandoned)
       SELECT id::uuid, u::uuid, ${ts("s")}, ${ts("e")}, (e - s)::double precision / 1000, v, a, r, up, p, p > 0, c::numeric / 100, ab
       FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::int[], $6::int[], $7::int[], $8::int[], $9::int[], $10::bigint[], $11::bool[])
         AS x(id, u, s, e, v, a, r, up, p, c, ab)
       ON CONFLICT (session_id, session_start) DO UPDATE SET user_id = EXCLUDED.user_id,
         session_end = EXCLUDED.session_end, duration_seconds = EXCLUDED.duration_seconds, page_views = EXCLUDED.page_views,
         cart_adds = EXCLUDED.cart_adds, cart_removes = EXCLUDED.cart_removes, cart_updates = EXCLUDED.cart_updates,
         purchases = EXCLUDED.purchases, purchased = EXCLUDED.purchased, purchase_amount = EXCLUDED.purchase_amount,
         abandoned = EXCLUDED.abandoned`,
      [
        rows.map((r) => r.sessionId),
        rows.map((r) => r.userId),
        rows.map((r) => r.start),
        rows.map((r) => r.end),
        rows.map((r) => r.pageViews),
        rows.map((r) => r.cartAdds),
        rows.map((r) => r.cartRemoves),
        rows.map((r) => r.cartUpdates),
        rows.map((r) => r.purchases),
        rows.map((r) => r.purchaseCents),
        rows.map((r) => r.abandoned),
      ],
    );
  }
  if (out.abandonments.length > 0) {
    const rows = [...out.abandonments].sort((a, b) => (a.sessionId < b.sessionId ? -1 : 1));
    await tx.query(
      `INSERT INTO cart_abandonment (session_id, user_id, last_cart_activity, abandoned_at, items, distinct_products, cart_value)
       SELECT id::uuid, u::uuid, ${ts("l")}, ${ts("a")}, i, d, v::numeric / 100
       FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::int[], $6::int[], $7::bigint[]) AS x(id, u, l, a, i, d, v)
       ON CONFLICT (session_id) DO UPDATE SET last_cart_activity = EXCLUDED.last_cart_activity,
         abandoned_at = EXCLUDED.abandoned_at, items = EXCLUDED.items, distinct_products = EXCLUDED.distinct_products,
         cart_value = EXCLUDED.cart_value`,
      [
        rows.map((r) => r.sessionId),
        rows.map((r) => r.userId),
        rows.map((r) => r.lastCartActivity),
        rows.map((r) => r.abandonedAt),
        rows.map((r) => r.items),
        rows.map((r) => r.distinctProducts),
        rows.map((r) => r.valueCents),
      ],
    );
  }
  for (const hour of [...new Set(out.closedHours)].sort((a, b) => a - b)) {
    // Every worker whose watermark passes the hour re-ranks it; the last one has every shard's
    // units, because a shard adds nothing to an hour its watermark has passed. The lock keeps
    // two re-rankings of one hour from interleaving.
    await tx.query("SELECT pg_advisory_xact_lock(7411906, ($1::bigint / 3600000)::int)", [hour]);
    await tx.query(`DELETE FROM inventory_velocity WHERE hour_start = ${ts("$1::bigint")}`, [hour]);
    await tx.query(
      `INSERT INTO inventory_velocity (hour_start, product_id, category, units, rank)
       SELECT hour_start, product_id, category, units, rank FROM (
         SELECT h.hour_start, h.product_id, coalesce(p.category, 'unknown') AS category, h.units,
                dense_rank() OVER (ORDER BY h.units DESC)::int AS rank
         FROM product_hour_units h LEFT JOIN products p USING (product_id)
         WHERE h.hour_start = ${ts("$1::bigint")}) ranked
       WHERE rank <= 10`,
      [hour],
    );
  }
  if (out.late.length > 0) {
    await tx.query(
      `INSERT INTO late_events (topic, kafka_partition, kafka_offset, event_time, watermark, payload)
       SELECT t, p, o, ${ts("e")}, ${ts("w")}, j FROM unnest($1::text[], $2::int[], $3::bigint[], $4::bigint[], $5::bigint[], $6::text[])
         AS x(t, p, o, e, w, j)
       ON CONFLICT DO NOTHING`,
      [
        out.late.map((r) => r.topic),
        out.late.map((r) => r.partition),
        out.late.map((r) => r.offset),
        out.late.map((r) => r.eventTime),
        out.late.map((r) => r.watermark),
        out.late.map((r) => JSON.stringify(r.payload)),
      ],
    );
  }
  if (out.dead.length > 0) {
    await tx.query(
      `INSERT INTO stream_dead_letters (topic, kafka_partition, kafka_offset, reason, record)
       SELECT * FROM unnest($1::text[], $2::int[], $3::bigint[], $4::text[], $5::text[]) ON CONFLICT DO NOTHING`,
      [
        out.dead.map((r) => r.topic),
        out.dead.map((r) => r.partition),
        out.dead.map((r) => r.offset),
        out.dead.map((r) => r.record.error_reason),
        out.dead.map((r) => JSON.stringify(r.record)),
      ],
    );
  }
  if (out.counts.size > 0) {
    const topics = [...out.counts.keys()].sort();
    const c = topics.map((t) => out.counts.get(t)!);
    const pick = (f: keyof TopicCounts) => c.map((x) => x[f]);
    await tx.query(
      `INSERT INTO operational_metrics AS o (minute, topic, events, bytes, dlq, late, duplicates, consumer_lag)
       SELECT ${ts("$1::bigint")}, t, e, b, d, l, u, g
       FROM unnest($2::text[], $3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[], $7::bigint[], $8::bigint[]) AS x(t, e, b, d, l, u, g)
       ON CONFLICT (minute, topic) DO UPDATE SET events = o.events + EXCLUDED.events, bytes = o.bytes + EXCLUDED.bytes,
         dlq = o.dlq + EXCLUDED.dlq, late = o.late + EXCLUDED.late, duplicates = o.duplicates + EXCLUDED.duplicates,
         consumer_lag = greatest(EXCLUDED.consumer_lag, o.consumer_lag)`,
      [
        ops.minute,
        topics,
        pick("events"),
        pick("bytes"),
        pick("dlq"),
        pick("late"),
        pick("duplicates"),
        topics.map((t) => ops.lag.get(t) ?? null),
      ],
    );
  }
}
