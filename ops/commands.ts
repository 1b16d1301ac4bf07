/** The operator's commands (SPEC section 7): `lakehouse status` and `lakehouse dlq ...`. */
import { readFile } from "node:fs/promises";
import {
  parseDuration,
  parseFlags,
  parseFlagsAndArgs,
  parseInstant,
  parseNumber,
  TOPIC_PREFIX_FLAG,
  topicPrefixOf,
} from "../cli/args.ts";
import { config } from "../core/config.ts";
import { openMigratedOnce } from "../core/db/pool.ts";
import { LakehouseError } from "../core/errors.ts";
import { KafkaProducer } from "../core/eventlog/kafka-producer.ts";
import { EVENT_TOPICS, isEventTopic } from "../core/events/topics.ts";
import { letterKey, payloadBytes, type LetterFilter } from "./dlq/letters.ts";
import { readLetters } from "./dlq/read.ts";
import { replayLetter } from "./dlq/replay.ts";
import { table } from "./table.ts";
import { reportLogger } from "../core/logger.ts";
import { SINK_GROUP, STREAM_GROUP } from "../core/eventlog/groups.ts";
import { collectStatus } from "./status/collect.ts";
import { renderStatus } from "./status/render.ts";

const log = reportLogger("ops");

/** Exit 0 when every configured server answered and every part was read, else 1. */
export async function statusCommand(args: string[]): Promise<number> {
  const flags = parseFlags(args, {
    json: { type: "boolean", default: false },
    ...TOPIC_PREFIX_FLAG,
    "stream-group": { type: "string", default: STREAM_GROUP },
    "sink-group": { type: "string", default: SINK_GROUP },
    timeout: { type: "string", default: "5s" },
  });
  const status = await collectStatus({
    cfg: config(),
    topicPrefix: topicPrefixOf(flags),
    streamGroup: flags["stream-group"],
    sinkGroup: flags["sink-group"],
    timeoutMs: parseDuration("timeout", flags.timeout),
    logger: log,
  });
  console.log(flags.json ? JSON.stringify(status, null, 2) : renderStatus(status));
  return status.problems.length === 0 ? 0 : 1;
}

const LETTER_FILTERS = {
  source: { type: "string" },
  topic: { type: "string" },
  reason: { type: "string" },
  from: { type: "string" },
  to: { type: "string" },
  ...TOPIC_PREFIX_FLAG,
} as const;

function letterFilter(flags: {
  source?: string | undefined;
  topic?: string | undefined;
  reason?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
}): LetterFilter {
  if (flags.source !== undefined && flags.source !== "topic" && flags.source !== "stream")
    throw new LakehouseError(
      "CONFIG_INVALID",
      `--source ${JSON.stringify(flags.source)}: expected topic or stream`,
    );
  if (flags.topic !== undefined && !isEventTopic(flags.topic))
    throw new LakehouseError(
      "CONFIG_INVALID",
      `--topic ${JSON.stringify(flags.topic)}: expected one of ${EVENT_TOPICS.join(", ")}`,
    );
  return {
    ...(flags.source ? { source: flags.source } : {}),
    ...(flags.topic ? { topic: flags.topic } : {}),
    ...(flags.reason ? { reason: flags.reason } : {}),
    ...(flags.from ? { fromMs: parseInstant("from", flags.from) } : {}),
    ...(flags.to ? { toMs: parseInstant("to", flags.to) } : {}),
  };
}

/** Kafka (when configured) and Postgres (when configured), each asked once, not waited for. */
async function openLetterSources(prefix: string, needSql: boolean) {
  const cfg = config();
  if (cfg.kafkaBrokers === undefined && cfg.databaseUrl === undefined)
    throw new LakehouseError(
      "CONFIG_INVALID",
      "KAFKA_BROKERS and DATABASE_URL are not set: dead letters are read from dlq.events and stream_dead_letters",
    );
  if (needSql && cfg.databaseUrl === undefined)
    throw new LakehouseError("CONFIG_INVALID", "DATABASE_URL is not set: replays are recorded in Postgres");
  const sql = cfg.databaseUrl === undefined ? undefined : await openMigratedOnce(cfg.databaseUrl, log);
  return {
    sources: { brokers: cfg.kafkaBrokers, topicPrefix: prefix, sql, logger: log },
    close: async () => sql?.close(),
  };
}

const cut = (s: string, n: number) => (s.length <= n ? s : `${s.slice(0, n - 1)}…`);

export async function dlqList(args: string[]): Promise<number> {
  const flags = parseFlags(args, {
    ...LETTER_FILTERS,
    limit: { type: "string", default: "50" },
    json: { type: "boolean", default: false },
  });
  const limit = parseNumber("limit", flags.limit, { min: 1 });
  const filter = letterFilter(flags);
  const { sources, close } = await openLetterSources(topicPrefixOf(flags), false);
  try {
    const letters = await readLetters(sources, filter);
    const shown = letters.slice(-limit);
    if (flags.json) {
      console.log(JSON.stringify({ total: letters.length, letters: shown }, null, 2));
      return 0;
    }
    if (letters.length === 0) {
      console.log("no dead letters match");
      return 0;
    }
    console.log(
      table(
        ["id", "source", "topic", "at", "event id", "reason"],
        shown.map((l) => [l.id, l.source, l.original_topic, l.at, l.event_id ?? "-", cut(l.reason, 90)]),
        6,
      ).join("\n"),
    );
    if (shown.length < letters.length)
      console.log(`(the newest ${shown.length} of ${letters.length}; --limit N shows more)`);
    return 0;
  } finally {
    await close();
  }
}

async function findLetters(sources: Awaited<ReturnType<typeof openLetterSources>>["sources"], ids: string[]) {
  const letters = await readLetters(sources, {});
  const byId = new Map(letters.map((l) => [l.id, l]));
  return ids.map((id) => {
    const letter = byId.get(id);
    if (!letter)
      throw new LakehouseError("NOT_FOUND", `dead letter ${id} not found: lakehouse dlq list shows the ids`);
    return letter;
  });
}

export async function dlqShow(args: string[]): Promise<number> {
  const { values: flags, positionals: ids } = parseFlagsAndArgs(args, { ...TOPIC_PREFIX_FLAG });
  if (ids.length !== 1)
    throw new LakehouseError("CONFIG_INVALID", "usage: lakehouse dlq show ID (ids: lakehouse dlq list)");
  const { sources, close } = await openLetterSources(topicPrefixOf(flags), false);
  try {
    const [letter] = await findLetters(sources, ids);
    let payload: unknown = letter!.payload;
    try {
      payload = JSON.parse(payloadBytes(letter!).toString("utf8"));
    } catch {
      // not JSON: shown as kept
    }
    const replay = sources.sql
      ? ((
          await sources.sql.query(
            "SELECT letter_id, state, started_at, sent_at, edited FROM dlq_replays WHERE letter_key = $1",
            [letterKey(letter!)],
          )
        ).rows[0] ?? null)
      : null;
    console.log(JSON.stringify({ ...letter, payload, replay }, null, 2));
    return 0;
  } finally {
    await close();
  }
}

/** Exit 0 when every chosen letter was sent (or, with --dry-run, would be), else 1. */
export async function dlqReplay(args: string[]): Promise<number> {
  const { values: flags, positionals: ids } = parseFlagsAndArgs(args, {
    ...LETTER_FILTERS,
    all: { type: "boolean", default: false },
    edit: { type: "string" },
    force: { type: "boolean", default: false },
    "dry-run": { type: "boolean", default: false },
    json: { type: "boolean", default: false },
  });
  const filter = letterFilter(flags);
  const filtered = Object.keys(filter).length > 0;
  if (ids.length === 0 && !flags.all)
    throw new LakehouseError(
      "CONFIG_INVALID",
      "say which letters: lakehouse dlq replay ID [ID ...], or --all with filters (--topic, --reason, --source, --from, --to)",
    );
  if (ids.length > 0 && (flags.all || filtered))
    throw new LakehouseError("CONFIG_INVALID", "give ids or --all with filters, not both");
  if (flags.edit !== undefined && ids.length !== 1)
    throw new LakehouseError("CONFIG_INVALID", "--edit FILE corrects one letter: give exactly one id");
  const edited = flags.edit === undefined ? undefined : await readFile(flags.edit);
  const prefix = topicPrefixOf(flags);
  const { sources, close } = await openLetterSources(prefix, true);
  let producer: KafkaProducer | undefined;
  try {
    const letters = ids.length > 0 ? await findLetters(sources, ids) : await readLetters(sources, filter);
    if (letters.length === 0) {
      console.log("no dead letters match");
      return 0;
    }
    const brokers = config().kafkaBrokers;
    if (brokers === undefined)
      throw new LakehouseError("CONFIG_INVALID", "KAFKA_BROKERS is not set: replays go to Kafka");
    producer = await KafkaProducer.connect({
      brokers,
      logger: log,
      topicPrefix: prefix,
      clientId: "lakehouse-dlq-replay",
    });
    let failed = 0;
    const outcomes = [];
    for (const letter of letters) {
      const outcome = await replayLetter(
        letter,
        { sql: sources.sql!, producer },
        { ...(edited ? { edited } : {}), force: flags.force, dryRun: flags["dry-run"] },
      );
      outcomes.push(outcome);
      const ok = outcome.status === "sent" || outcome.status === "valid";
      if (!ok) failed++;
      if (flags.json) continue;
      (ok ? console.log : console.error)(
        `${ok ? "" : "lakehouse: "}${outcome.id}: ${outcome.status}: ${outcome.detail}`,
      );
    }
    const verb = flags["dry-run"] ? "would be sent" : "sent";
    if (flags.json)
      console.log(JSON.stringify({ outcomes, ok: letters.length - failed, total: letters.length }, null, 2));
    else console.log(`${letters.length - failed} of ${letters.length} ${verb}`);
    return failed === 0 ? 0 : 1;
  } finally {
    await producer?.close();
    await close();
  }
}
