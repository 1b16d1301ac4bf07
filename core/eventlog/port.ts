/**
 * The port every stage writes to and reads from the event log through. Adapters: Kafka
 * (kafka-producer.ts) and, for the embedded default, an in-process log with the same
 * partition/offset semantics. Nothing outside the adapters knows which one runs.
 */
export interface LogRecord {
  topic: string;
  /** The partitioning key: user_id on every topic. */
  key: string;
  value: Buffer;
  // No record timestamp: Kafka stamps the write time. Event time lives in the payload; using
  // it as the record time would let retention delete a 30-day backfill the moment it lands.
}

export interface LogProducer {
  /**
   * Writes the records and resolves once the log has acknowledged every one of them (Kafka:
   * acks=all on an idempotent producer). For callers that answer someone only after the write
   * is durable: the HTTP collector, replay. Rejects only when a record could not be written
   * after the adapter's own retries.
   */
  send(records: readonly LogRecord[]): Promise<void>;
  /**
   * Hands one record to the log without waiting for it, for bulk writers (the generator).
   * False means the local buffer is full: await waitForRoom() before enqueuing more. Nothing
   * is acknowledged record by record; flush() is the acknowledgement of everything enqueued.
   */
  enqueue(record: LogRecord): boolean;
  waitForRoom(): Promise<void>;
  /** Resolves when everything enqueued so far is acknowledged; throws the first failure. */
  flush(): Promise<void>;
  /** Flushes, then releases the connection. */
  close(): Promise<void>;
}

export interface TopicSpec {
  topic: string;
  partitions: number;
  /** Retention in ms; -1 keeps everything. */
  retentionMs: number;
  maxMessageBytes: number;
}

export interface LogAdmin {
  /** Creates the topics that do not exist; reports which were created. Idempotent. */
  createTopics(specs: readonly TopicSpec[]): Promise<{ created: string[]; existing: string[] }>;
  /** Partition count of each existing topic. */
  describeTopics(topics: readonly string[]): Promise<Map<string, number>>;
  close(): Promise<void>;
}
