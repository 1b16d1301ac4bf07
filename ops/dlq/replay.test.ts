/** Replays on PGlite (the ledger) and the in-process log (the topic): no server needed. */
import { beforeEach, describe, expect, it } from "vitest";
import { migrate } from "../../core/db/migrate.ts";
import { openPglite } from "../../core/db/pglite-sql.ts";
import type { Sql } from "../../core/db/sql.ts";
import { MemoryLog } from "../../core/eventlog/memory-log.ts";
import { toDlqRecord } from "../../core/events/dlq.ts";
import { createLogger } from "../../core/logger.ts";
import { letterKey, streamLetter, topicLetter } from "./letters.ts";
import { replayLetter } from "./replay.ts";

const refund = {
  refund_id: "9b2f4d52-5a43-4c3a-9a53-0a4f36a2f001",
  transaction_id: "9b2f4d52-5a43-4c3a-9a53-0a4f36a2f002",
  user_id: "9b2f4d52-5a43-4c3a-9a53-0a4f36a2f003",
  timestamp: "2026-11-30T10:00:00.000Z",
  amount: 12.5,
  reason: "damaged",
};
const broken = { ...refund, amount: -1 };
const letterOf = (event: object, offset = 0) =>
  topicLetter(
    0,
    offset,
    Buffer.from(
      JSON.stringify(toDlqRecord({ originalTopic: "refunds", raw: JSON.stringify(event), reason: "amount" })),
    ),
  );

describe("dlq replay", () => {
  let sql: Sql;
  let log: MemoryLog;
  const sent = () =>
    log
      .partitionsOf("refunds")
      .flat()
      .map((r) => JSON.parse(r.value.toString()) as { amount: number });

  beforeEach(async () => {
    ({ sql } = await openPglite());
    await migrate(sql, createLogger({ level: "silent" }));
    log = new MemoryLog();
  });

  it("sends a letter that passes the edge to its topic once; its other copy is refused too", async () => {
    const letter = letterOf(refund);
    expect(await replayLetter(letter, { sql, producer: log })).toMatchObject({ status: "sent" });
    expect(sent()).toEqual([refund]);
    expect(await replayLetter(letter, { sql, producer: log })).toMatchObject({
      status: "refused",
      detail: expect.stringMatching(/already replayed \(as t-0-0/),
    });
    const copy = streamLetter({
      topic: "refunds",
      kafka_partition: 3,
      kafka_offset: 9,
      record: toDlqRecord({ originalTopic: "refunds", raw: JSON.stringify(refund), reason: "amount" }),
    });
    expect((await replayLetter(copy, { sql, producer: log })).status).toBe("refused");
    expect(sent()).toHaveLength(1);
  });

  it("refuses a letter still invalid, sends nothing, and sends the operator's correction", async () => {
    const letter = letterOf(broken, 1);
    const refused = await replayLetter(letter, { sql, producer: log });
    expect(refused).toMatchObject({
      status: "invalid",
      detail: expect.stringMatching(/^still refused by the edge: amount/),
    });
    expect(sent()).toEqual([]);
    expect((await replayLetter(letter, { sql, producer: log }, { dryRun: true })).status).toBe("invalid");
    const fixed = Buffer.from(JSON.stringify({ ...broken, amount: 1 }));
    expect((await replayLetter(letter, { sql, producer: log }, { edited: fixed, dryRun: true })).status).toBe(
      "valid",
    );
    expect(sent()).toEqual([]);
    expect(await replayLetter(letter, { sql, producer: log }, { edited: fixed })).toMatchObject({
      status: "sent",
    });
    expect(sent().map((e) => e.amount)).toEqual([1]);
    const ledger = await sql.query<{ state: string; edited: boolean }>(
      "SELECT state, edited FROM dlq_replays",
    );
    expect(ledger.rows).toEqual([{ state: "sent", edited: true }]);
  });

  it("refuses a replay whose send was never confirmed until --force, and frees a letter whose send failed", async () => {
    const letter = letterOf(refund, 2);
    const failing = { ...log, send: () => Promise.reject(new Error("kafka away")) } as unknown as MemoryLog;
    await expect(replayLetter(letter, { sql, producer: failing })).rejects.toThrow("kafka away");
    expect((await sql.query("SELECT 1 FROM dlq_replays")).rows).toEqual([]);
    // A replay that died between the ledger row and the send's confirmation.
    await sql.query(
      "INSERT INTO dlq_replays (letter_key, letter_id, original_topic, state, sent_payload, edited) SELECT $1, 't-0-2', 'refunds', 'sending', '', false",
      [letterKey(letter)],
    );
    expect(await replayLetter(letter, { sql, producer: log })).toMatchObject({
      status: "refused",
      detail: expect.stringMatching(/never confirmed: check refunds for it, then pass --force/),
    });
    expect((await replayLetter(letter, { sql, producer: log }, { force: true })).status).toBe("sent");
    expect(sent()).toHaveLength(1);
  });
});
