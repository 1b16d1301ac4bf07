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
  /**
   * keyHash(key) (partitioner.ts), when the writer computed it already: the backfill's
   * simulation threads do, so the thread that produces every record does not hash its key.
   */
  keyHash?: number;
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

export interface TopicPartition {
  topic: string;
  partition: number;
}

export interface PartitionOffset extends TopicPartition {
  /** The next offset to read (Kafka's committed-offset convention). */
  offset: number;
}

export interface ConsumedRecord extends TopicPartition {
  offset: number;
  /** The log's record timestamp (Kafka: create or append time), ms. */
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
}

export interface RebalanceHandlers {
  /**
   * Runs before any record of the new partitions is delivered; the partitions are not taken
   * until it resolves (cleanup of a dead owner's leftovers goes here). It may return where to
   * start reading each partition (the stream layer keeps its offsets in Postgres); offset -1
   * means the beginning of the log, and a partition it does not name starts at the group's
   * committed offset.
   */
  onAssigned(partitions: TopicPartition[]): Promise<PartitionOffset[] | void>;
  /**
   * Runs before partitions are given up; the group waits until it resolves, so a worker can
   * finish and commit what it holds instead of leaving half-done work to the next owner.
   */
  onRevoked(partitions: TopicPartition[]): Promise<void>;
}

/**
 * A member of a consumer group. Offsets are committed explicitly, only after the work they
 * cover is durable; `commit` throws FENCED when this member no longer owns a partition.
 */
export interface LogConsumer {
  /** Up to `max` records of owned partitions; may be empty after a short wait. */
  poll(max: number): Promise<ConsumedRecord[]>;
  commit(offsets: readonly PartitionOffset[]): Promise<void>;
  /** Committed offsets of the partitions; -1 when nothing was committed yet. */
  committed(partitions: readonly TopicPartition[]): Promise<PartitionOffset[]>;
  /** Partitions this member may commit: assigned ones, and those whose revocation is in progress. */
  owned(): TopicPartition[];
  /**
   * Records in the log not yet delivered, per topic, summed over this member's partitions
   * (the consumer lag). Cheap: from the client's cached figures, possibly a few seconds old.
   */
  lag(): Map<string, number>;
  /**
   * The next offset the log would give each partition (its high watermark): from the client's
   * figures when it keeps them (Kafka: at most a second old), else asked of the log.
   */
  endOffsets(partitions: readonly TopicPartition[]): Promise<PartitionOffset[]>;
  /** Leaves the group (revocation handlers run) and disconnects. */
  close(): Promise<void>;
}
