/** `lakehouse stream rebuild --group G --from D`: see rebuild.ts. */
import { parseFlags, parseInstant, TOPIC_PREFIX_FLAG, topicPrefixOf } from "../../cli/args.ts";
import { config } from "../../core/config.ts";
import { openMigratedOnce } from "../../core/db/pool.ts";
import { LakehouseError } from "../../core/errors.ts";
import { STREAM_GROUP } from "../../core/eventlog/groups.ts";
import { KafkaAdmin } from "../../core/eventlog/kafka-admin.ts";
import { EVENT_TOPICS } from "../../core/events/topics.ts";
import { reportLogger } from "../../core/logger.ts";
import { rebuild } from "./rebuild.ts";

const log = reportLogger("stream");

export async function streamRebuild(args: string[]): Promise<number> {
  const flags = parseFlags(args, {
    group: { type: "string", default: STREAM_GROUP },
    from: { type: "string" },
    "allow-partial": { type: "boolean", default: false },
    json: { type: "boolean", default: false },
    ...TOPIC_PREFIX_FLAG,
  });
  if (flags.from === undefined)
    throw new LakehouseError(
      "CONFIG_INVALID",
      "give --from D: the date or ISO time to recompute the tables from",
    );
  const fromMs = parseInstant("from", flags.from);
  const cfg = config();
  const brokers = cfg.kafkaBrokers;
  const url = cfg.databaseUrl;
  if (brokers === undefined || url === undefined)
    throw new LakehouseError(
      "CONFIG_INVALID",
      "KAFKA_BROKERS and DATABASE_URL must be set: a rebuild checks the group in Kafka and rewrites Postgres",
    );
  const prefix = topicPrefixOf(flags);
  const admin = await KafkaAdmin.connectOnce(brokers, log, prefix);
  let members: string[];
  let retained;
  try {
    members = (await admin.groupMembers(flags.group)).members;
    retained = await admin.partitionOffsets(EVENT_TOPICS);
  } finally {
    await admin.close();
  }
  const sql = await openMigratedOnce(url, log);
  try {
    const result = await rebuild(sql, {
      group: flags.group,
      fromMs,
      retained,
      members,
      allowPartial: flags["allow-partial"],
    });
    const from = new Date(result.fromMs).toISOString();
    if (flags.json) {
      console.log(JSON.stringify({ group: flags.group, from, changed: result.changed }, null, 2));
      return 0;
    }
    console.log(`group ${flags.group}: the real-time tables will be recomputed from ${from}`);
    for (const [table, n] of Object.entries(result.changed)) console.log(`  ${table.padEnd(22)} ${n} rows`);
    console.log(
      `start the workers of ${flags.group} again (lakehouse stream run --group ${flags.group}): they replay every ` +
        "retained record to rebuild their state and write the rows from that time on",
    );
    return 0;
  } finally {
    await sql.close();
  }
}
