/** The operator's commands (SPEC section 7): `lakehouse status` and `lakehouse dlq ...`. */
import { parseDuration, parseFlags, TOPIC_PREFIX_FLAG, topicPrefixOf } from "../cli/args.ts";
import { config } from "../core/config.ts";
import { componentLogger } from "../core/logger.ts";
import { SINK_GROUP, STREAM_GROUP } from "../core/eventlog/groups.ts";
import { collectStatus } from "./status/collect.ts";
import { renderStatus } from "./status/render.ts";

const log = componentLogger("ops");

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
