/** Kafka topic names (SPEC section 3). Every topic is keyed by user_id. */
export const EVENT_TOPICS = ["transactions", "product_views", "cart_events", "refunds"] as const;
export type EventTopic = (typeof EVENT_TOPICS)[number];

export const DLQ_TOPIC = "dlq.events";
export type Topic = EventTopic | typeof DLQ_TOPIC;
export const ALL_TOPICS: readonly Topic[] = [...EVENT_TOPICS, DLQ_TOPIC];

export function isEventTopic(topic: string): topic is EventTopic {
  return (EVENT_TOPICS as readonly string[]).includes(topic);
}

/** The field that identifies an event of each topic (used for dedup and DLQ records). */
export const ID_FIELD: Record<EventTopic, string> = {
  transactions: "transaction_id",
  product_views: "event_id",
  cart_events: "event_id",
  refunds: "refund_id",
};
