/**
 * Sends a dead letter back to its topic, once. The bytes (the kept payload, or the operator's
 * correction) go through the same edge validation as any new event: one that is still invalid
 * is refused with the reason and nothing is sent. The replay is recorded before the send
 * (dlq_replays, state 'sending') and confirmed after it, so neither a second replay of the
 * same letter nor of its other copy can send it again; a replay that died between the two is
 * refused until the operator has checked the topic and passes `force`.
 */
import type { Sql } from "../../core/db/sql.ts";
import type { LogProducer } from "../../core/eventlog/port.ts";
import { isEventTopic } from "../../core/events/topics.ts";
import { admit } from "../../ingest/edge.ts";
import { letterKey, payloadBytes, type Letter } from "./letters.ts";

export type ReplayStatus = "sent" | "valid" | "refused" | "invalid";

export interface ReplayOutcome {
  id: string;
  status: ReplayStatus;
  /** What was sent, or why not. */
  detail: string;
}

export interface ReplayOptions {
  /** The corrected payload (--edit); unset: the bytes the letter kept. */
  edited?: Buffer;
  /** Send even though a replay of this letter was started and never confirmed. */
  force?: boolean;
  /** Validate only: say whether it would be sent. */
  dryRun?: boolean;
}

interface Ledger {
  letter_id: string;
  state: "sending" | "sent";
  started_at: Date;
}

export async function replayLetter(
  letter: Letter,
  deps: { sql: Sql; producer: LogProducer },
  options: ReplayOptions = {},
): Promise<ReplayOutcome> {
  const { id } = letter;
  if (!isEventTopic(letter.original_topic))
    return {
      id,
      status: "invalid",
      detail: `its original topic ${JSON.stringify(letter.original_topic)} is not an event topic`,
    };
  const bytes = options.edited ?? payloadBytes(letter);
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString("utf8"));
  } catch {
    return { id, status: "invalid", detail: "the payload is not JSON: correct it with --edit FILE" };
  }
  const admitted = admit(letter.original_topic, value, { raw: bytes });
  if (!admitted.ok)
    return {
      id,
      status: "invalid",
      detail: `still refused by the edge: ${admitted.reason}; correct it with --edit FILE`,
    };
  if (options.dryRun) return { id, status: "valid", detail: `would send to ${letter.original_topic}` };

  const key = letterKey(letter);
  const claimed = await deps.sql.query(
    `INSERT INTO dlq_replays (letter_key, letter_id, original_topic, state, sent_payload, edited)
     VALUES ($1, $2, $3, 'sending', $4, $5) ON CONFLICT (letter_key) DO NOTHING`,
    [key, id, letter.original_topic, bytes.toString("utf8"), options.edited !== undefined],
  );
  if (claimed.rowCount === 0) {
    const prior = (
      await deps.sql.query<Ledger>(
        "SELECT letter_id, state, started_at FROM dlq_replays WHERE letter_key = $1",
        [key],
      )
    ).rows[0]!;
    const when = new Date(prior.started_at).toISOString();
    if (prior.state === "sent")
      return { id, status: "refused", detail: `already replayed (as ${prior.letter_id}, ${when})` };
    if (!options.force)
      return {
        id,
        status: "refused",
        detail: `a replay (as ${prior.letter_id}, ${when}) was never confirmed: check ${letter.original_topic} for it, then pass --force to send it anyway`,
      };
    await deps.sql.query(
      "UPDATE dlq_replays SET letter_id = $2, sent_payload = $3, edited = $4, started_at = now() WHERE letter_key = $1",
      [key, id, bytes.toString("utf8"), options.edited !== undefined],
    );
  }
  try {
    await deps.producer.send([admitted.record]);
  } catch (err) {
    // Not sent: the letter may be replayed again.
    await deps.sql.query("DELETE FROM dlq_replays WHERE letter_key = $1 AND state = 'sending'", [key]);
    throw err;
  }
  await deps.sql.query("UPDATE dlq_replays SET state = 'sent', sent_at = now() WHERE letter_key = $1", [key]);
  return {
    id,
    status: "sent",
    detail: `sent to ${letter.original_topic}${options.edited ? " (edited)" : ""}`,
  };
}
