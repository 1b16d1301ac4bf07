/** Reads the dead letters from the dlq.events topic (Kafka) and stream_dead_letters (Postgres). */
import type { Sql } from "../../core/db/sql.ts";
import { KafkaAdmin } from "../../core/eventlog/kafka-admin.ts";
import { readRange, type Watermarks } from "../../core/eventlog/kafka-range.ts";
import type { DlqRecord } from "../../core/events/schemas.ts";
import { DLQ_TOPIC } from "../../core/events/topics.ts";
import type { Logger } from "../../core/logger.ts";
import { matches, streamLetter, topicLetter, type Letter, type LetterFilter } from "./letters.ts";

export interface LetterSources {
  /** Unset: the topic is not read (the stream's table still is). */
  brokers?: string[];
  topicPrefix: string;
  /** Unset: the stream's table is not read. */
  sql?: Sql;
  logger: Logger;
}

/** Every retained record of dlq.events. */
async function topicLetters(brokers: string[], topicPrefix: string, logger: Logger): Promise<Letter[]> {
  const admin = await KafkaAdmin.connectOnce(brokers, logger, topicPrefix);
  const topic = admin.kafkaTopic(DLQ_TOPIC);
  let parts;
  try {
    parts = (await admin.partitionOffsets([DLQ_TOPIC])).get(DLQ_TOPIC) ?? [];
  } finally {
    await admin.close();
  }
  const from: Watermarks = new Map([[topic, new Map(parts.map((p) => [p.partition, p.low]))]]);
  const to: Watermarks = new Map([[topic, new Map(parts.map((p) => [p.partition, p.high]))]]);
  const records = await readRange(brokers, from, to, logger);
  return records.map((r) => topicLetter(r.partition, r.offset, r.value));
}

async function streamLetters(sql: Sql): Promise<Letter[]> {
  const { rows } = await sql.query<{
    topic: string;
    kafka_partition: number;
    kafka_offset: string;
    record: string;
  }>(
    "SELECT topic, kafka_partition, kafka_offset, record FROM stream_dead_letters ORDER BY created_at, topic, kafka_partition, kafka_offset",
  );
  return rows.map((r) => streamLetter({ ...r, record: JSON.parse(r.record) as DlqRecord }));
}

/** The letters matching `filter`, oldest first (stream letters, then the topic's). */
export async function readLetters(sources: LetterSources, filter: LetterFilter): Promise<Letter[]> {
  const letters: Letter[] = [];
  if (sources.sql && filter.source !== "topic") letters.push(...(await streamLetters(sources.sql)));
  if (sources.brokers && filter.source !== "stream")
    letters.push(...(await topicLetters(sources.brokers, sources.topicPrefix, sources.logger)));
  return letters.filter((l) => matches(l, filter)).sort((a, b) => a.at.localeCompare(b.at));
}
