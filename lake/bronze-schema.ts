/**
 * The typed shape of each bronze table (SPEC section 5). DuckDB's json_transform_strict turns
 * each record into these types: a record that does not fit (wrong type, missing field, broken
 * JSON) is rejected to the DLQ, and fields it does not know are dropped, so schema drift never
 * breaks the sink or its readers.
 *
 * Types: timestamps TIMESTAMPTZ (Parquet TIMESTAMP, UTC-adjusted, microseconds); money DOUBLE,
 * because the events carry JSON numbers (IEEE doubles) and bronze keeps what was sent without
 * rounding (silver decides on DECIMAL); ids VARCHAR, readable by every Parquet reader.
 */
import type { Topic } from "../core/events/topics.ts";
import { sqlString } from "../core/sql-literal.ts";

interface Shape {
  [field: string]: string | Shape | Shape[];
}

const TIMESTAMP = "TIMESTAMPTZ";

export const BRONZE_SHAPES: Record<Topic, Shape> = {
  transactions: {
    transaction_id: "VARCHAR",
    user_id: "VARCHAR",
    session_id: "VARCHAR",
    timestamp: TIMESTAMP,
    products: [{ product_id: "VARCHAR", quantity: "INTEGER", price: "DOUBLE" }],
    total_amount: "DOUBLE",
    payment_method: "VARCHAR",
    country: "VARCHAR",
  },
  product_views: {
    event_id: "VARCHAR",
    user_id: "VARCHAR",
    product_id: "VARCHAR",
    session_id: "VARCHAR",
    timestamp: TIMESTAMP,
    duration_seconds: "DOUBLE",
    category: "VARCHAR",
  },
  cart_events: {
    event_id: "VARCHAR",
    user_id: "VARCHAR",
    product_id: "VARCHAR",
    session_id: "VARCHAR",
    timestamp: TIMESTAMP,
    action: "VARCHAR",
    quantity: "INTEGER",
  },
  refunds: {
    refund_id: "VARCHAR",
    transaction_id: "VARCHAR",
    user_id: "VARCHAR",
    timestamp: TIMESTAMP,
    amount: "DOUBLE",
    reason: "VARCHAR",
  },
  // payload_encoding is optional on the wire (the SPEC shape lacks it) and read separately.
  "dlq.events": {
    original_topic: "VARCHAR",
    event_id: "VARCHAR",
    error_reason: "VARCHAR",
    retry_count: "INTEGER",
    timestamp: TIMESTAMP,
    payload: "VARCHAR",
  },
};

/** A SQL string literal holding the shape, for json_transform_strict. */
export function shapeLiteral(topic: Topic): string {
  return sqlString(JSON.stringify(BRONZE_SHAPES[topic]));
}

/** Columns every bronze row carries after the event's own fields, with their types. */
const KAFKA_COLUMNS = {
  kafka_topic: "VARCHAR",
  kafka_partition: "INTEGER",
  kafka_offset: "BIGINT",
  kafka_timestamp: TIMESTAMP,
  ingested_at: TIMESTAMP,
};

function ddlType(shape: string | Shape | Shape[]): string {
  if (typeof shape === "string") return shape;
  if (Array.isArray(shape)) return `${ddlType(shape[0]!)}[]`;
  return `STRUCT(${Object.entries(shape)
    .map(([k, v]) => `"${k}" ${ddlType(v)}`)
    .join(", ")})`;
}

/** The column list of a bronze table (`"name" TYPE, ...`), for creating an empty one. */
export function bronzeColumnsDdl(topic: Topic): string {
  return Object.entries({ ...BRONZE_SHAPES[topic], ...KAFKA_COLUMNS })
    .map(([k, v]) => `"${k}" ${ddlType(v)}`)
    .join(", ");
}
