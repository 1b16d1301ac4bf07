/**
 * Recomputing the real-time tables from a point in time (`lakehouse stream rebuild`), safely:
 * refused while any worker of the group is alive (Kafka sees it as a member) and while the
 * topics no longer hold their oldest records (the operators' state would be rebuilt from part
 * of the history); otherwise one transaction removes the rows keyed at or after the point,
 * resets the current stock, and clears the group's offsets, state and shards. The workers,
 * started again, replay every retained record and write only the rows at or after the point
 * (output-from.ts), so the tables end as if the run had never gone wrong after it.
 */
import { readFileSync } from "node:fs";
import type { Sql } from "../../core/db/sql.ts";
import { LakehouseError } from "../../core/errors.ts";
import type { PartitionRange } from "../../core/eventlog/kafka-admin.ts";
import { EVENT_TOPICS } from "../../core/events/topics.ts";
import { HOUR } from "../operators/time.ts";

const SCRIPT = readFileSync(new URL("./rebuild.sql", import.meta.url), "utf8");

/** The statements of rebuild.sql, comments removed, each with the table it changes. */
const STATEMENTS = SCRIPT.replace(/^\s*--.*$/gm, "")
  .split(/;\s*\n/)
  .map((s) => s.trim())
  .filter((s) => s.length > 0)
  .map((text) => ({ text, table: /^(?:DELETE FROM|UPDATE|INSERT INTO)\s+(\w+)/.exec(text)![1]! }));

export interface RebuildRequest {
  group: string;
  /** Any instant: the rebuild starts at the hour that holds it (hourly tables stay whole). */
  fromMs: number;
  /** Topic -> its partitions' retained ranges, for the retention check. */
  retained: ReadonlyMap<string, readonly PartitionRange[]>;
  /** Members of the group Kafka sees now. */
  members: readonly string[];
  /** Rebuild although the topics lost their oldest records to retention. */
  allowPartial: boolean;
}

export interface RebuildResult {
  fromMs: number;
  /** Rows removed (or reset, for inventory_status) per table. */
  changed: Record<string, number>;
}

export const rebuildStart = (ms: number) => Math.floor(ms / HOUR) * HOUR;

/** Why the rebuild may not run now, or undefined. */
export function refusal(req: RebuildRequest): string | undefined {
  if (req.members.length > 0)
    return `${req.members.length} worker(s) of group ${req.group} are running (${[...new Set(req.members)].join(", ")}): stop them first`;
  // A wrong --topic-prefix would otherwise clear the tables with nothing to rebuild them from.
  const missing = EVENT_TOPICS.filter((t) => !req.retained.has(t));
  if (missing.length > 0)
    return `the topics ${missing.join(", ")} do not exist (check --topic-prefix): there is nothing to replay`;
  if (req.allowPartial) return undefined;
  const lost = [...req.retained].flatMap(([topic, parts]) =>
    parts.filter((p) => p.low > 0).map((p) => `${topic}/${p.partition} from offset ${p.low}`),
  );
  if (lost.length > 0)
    return (
      `the topics no longer hold their oldest records (${lost.slice(0, 3).join(", ")}${lost.length > 3 ? ", ..." : ""}): ` +
      "sessions, carts, stock and anomaly history would be rebuilt from part of the history; pass --allow-partial to accept that"
    );
  return undefined;
}

export async function rebuild(sql: Sql, req: RebuildRequest): Promise<RebuildResult> {
  const why = refusal(req);
  if (why) throw new LakehouseError("CONFLICT", why);
  const fromMs = rebuildStart(req.fromMs);
  const changed: Record<string, number> = {};
  await sql.transaction(async (tx) => {
    await tx.query(
      "SELECT set_config('lakehouse.rebuild_from', $1, true), set_config('lakehouse.rebuild_group', $2, true)",
      [new Date(fromMs).toISOString(), req.group],
    );
    // A worker taking a shard meanwhile waits for this transaction, then sees the new state.
    await tx.query("LOCK TABLE stream_shards IN EXCLUSIVE MODE");
    for (const s of STATEMENTS)
      changed[s.table] = (changed[s.table] ?? 0) + (await tx.query(s.text)).rowCount;
  });
  delete changed.stream_rebuilds;
  return { fromMs, changed };
}
