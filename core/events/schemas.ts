/**
 * The event model shared by ingest and stream (SPEC section 3), as TypeBox schemas: one
 * definition gives the compiled validator, the TypeScript type and a standard JSON Schema.
 * Unknown extra fields are allowed (schema drift must not break producers or readers).
 */
import { Type, type Static } from "@sinclair/typebox";

export const COUNTRIES = ["USA", "UK", "Canada", "Germany", "France"] as const;
export const PAYMENT_METHODS = ["credit_card", "debit_card", "paypal", "apple_pay", "google_pay"] as const;
const CART_ACTIONS = ["add", "remove", "update"] as const;
export const REFUND_REASONS = ["damaged", "not_as_described", "late", "other"] as const;

export type Country = (typeof COUNTRIES)[number];
export type PaymentMethod = (typeof PAYMENT_METHODS)[number];

/** Bounds that keep one hostile event from poisoning aggregates. */
export const LIMITS = {
  maxItems: 100,
  maxQuantity: 10_000,
  maxPrice: 1_000_000,
  maxAmount: 100_000_000,
  maxViewSeconds: 86_400,
  maxCategoryLength: 100,
  /** One serialised event; well above any valid event, well below Kafka's 1 MiB per record. */
  maxEventBytes: 256 * 1024,
  /** How much of an oversized payload a DLQ record keeps, so the DLQ record itself fits. */
  maxDlqPayloadBytes: 64 * 1024,
  /**
   * How deeply arrays and objects may nest (a valid event needs 3). Deeper values overflow the
   * stack of JSON.stringify (measured: 20,000 levels), so they are refused before anything
   * serialises them.
   */
  maxDepth: 32,
} as const;

const Uuid = Type.String({ format: "uuid", description: "RFC 4122 UUID, lower or upper case" });
const Timestamp = Type.String({
  format: "timestamp",
  description: "ISO 8601 UTC, e.g. 2026-11-21T10:00:00.000Z",
});
const Money = (max: number) => Type.Number({ minimum: 0, maximum: max });

export const TransactionItem = Type.Object({
  product_id: Uuid,
  quantity: Type.Integer({ minimum: 1, maximum: LIMITS.maxQuantity }),
  price: Money(LIMITS.maxPrice),
});

export const Transaction = Type.Object({
  transaction_id: Uuid,
  user_id: Uuid,
  session_id: Type.Union([Uuid, Type.Null()]),
  timestamp: Timestamp,
  products: Type.Array(TransactionItem, { minItems: 1, maxItems: LIMITS.maxItems }),
  total_amount: Money(LIMITS.maxAmount),
  payment_method: Type.Union(PAYMENT_METHODS.map((m) => Type.Literal(m))),
  country: Type.Union(COUNTRIES.map((c) => Type.Literal(c))),
});

/** What every event inside a shopping session carries. */
const sessionEvent = {
  event_id: Uuid,
  user_id: Uuid,
  product_id: Uuid,
  session_id: Uuid,
  timestamp: Timestamp,
};

export const ProductView = Type.Object({
  ...sessionEvent,
  duration_seconds: Type.Number({ minimum: 0, maximum: LIMITS.maxViewSeconds }),
  category: Type.String({ minLength: 1, maxLength: LIMITS.maxCategoryLength }),
});

export const CartEvent = Type.Object({
  ...sessionEvent,
  action: Type.Union(CART_ACTIONS.map((a) => Type.Literal(a))),
  quantity: Type.Integer({ minimum: 0, maximum: LIMITS.maxQuantity }),
});

export const Refund = Type.Object({
  refund_id: Uuid,
  transaction_id: Uuid,
  user_id: Uuid,
  timestamp: Timestamp,
  amount: Type.Number({ exclusiveMinimum: 0, maximum: LIMITS.maxAmount }),
  reason: Type.Union(REFUND_REASONS.map((r) => Type.Literal(r))),
});

/**
 * A record on `dlq.events`. `payload` keeps the original bytes: as text when they were valid
 * UTF-8, otherwise base64; `payload_encoding` says which (an addition to the SPEC shape, so a
 * reader never has to guess).
 */
export const DlqRecord = Type.Object({
  original_topic: Type.String(),
  event_id: Type.Union([Type.String(), Type.Null()]),
  error_reason: Type.String(),
  retry_count: Type.Integer({ minimum: 0 }),
  timestamp: Timestamp,
  payload: Type.String(),
  payload_encoding: Type.Union([Type.Literal("utf8"), Type.Literal("base64")]),
});

export type TransactionItem = Static<typeof TransactionItem>;
export type Transaction = Static<typeof Transaction>;
export type ProductView = Static<typeof ProductView>;
export type CartEvent = Static<typeof CartEvent>;
export type Refund = Static<typeof Refund>;
export type DlqRecord = Static<typeof DlqRecord>;

export interface EventByTopic {
  transactions: Transaction;
  product_views: ProductView;
  cart_events: CartEvent;
  refunds: Refund;
}

export const SCHEMAS = {
  transactions: Transaction,
  product_views: ProductView,
  cart_events: CartEvent,
  refunds: Refund,
} as const;
