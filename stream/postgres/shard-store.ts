/**
 * A shard's durable side in Postgres: ownership (an epoch bumped by each new owner), the next
 * offset of each of its partitions, and its operator state. `commit` writes a batch's output,
 * state changes and offsets in one transaction that first checks the epoch (with a row lock)
 * and each offset's precondition: a worker that lost the shard, or that is behind what was
 * committed, is refused with FENCED and nothing it computed lands.
 */
import type { Sql, SqlClient } from "../../core/db/sql.ts";
import { LakehouseError } from "../../core/errors.ts";
import type { BatchOutput } from "../operators/output.ts";
import { ShardState } from "../operators/state.ts";
import { writeOutput } from "./write-output.ts";

export interface OffsetRange {
  /** The Kafka topic name (with any deployment prefix). */
  topic: string;
  partition: number;
  /** Next offset before this batch (the precondition) and after it. */
  from: number;
  to: number;
}

export interface LoadedShard {
  epoch: number;
  state: ShardState;
  /** Kafka topic -> next offset; absent when nothing was committed yet. */
  offsets: Map<string, number>;
}

export async function loadShardState(db: SqlClient, group: string, shard: number): Promise<ShardState> {
  const state = new ShardState();
  const spaces = state.namespaces();
  const { rows } = await db.query<{ ns: string; key: string; value: unknown }>(
    "SELECT ns, key, value FROM stream_state WHERE group_id = $1 AND shard = $2",
    [group, shard],
  );
  for (const r of rows) spaces[r.ns]?.restore(r.key, JSON.parse(r.value as string));
  state.seen.rebuild();
  return state;
}

/** Takes ownership of a shard (fencing out the previous owner) and loads its state. */
export async function takeShard(sql: Sql, group: string, shard: number, owner: string): Promise<LoadedShard> {
  return sql.transaction(async (tx) => {
    const { rows } = await tx.query<{ epoch: string }>(
      `INSERT INTO stream_shards (group_id, shard, epoch, owner) VALUES ($1, $2, 1, $3)
       ON CONFLICT (group_id, shard) DO UPDATE SET epoch = stream_shards.epoch + 1, owner = EXCLUDED.owner, taken_at = now()
       RETURNING epoch`,
      [group, shard, owner],
    );
    const offsets = await tx.query<{ topic: string; next_offset: string }>(
      "SELECT topic, next_offset FROM stream_offsets WHERE group_id = $1 AND kafka_partition = $2",
      [group, shard],
    );
    return {
      epoch: Number(rows[0]!.epoch),
      state: await loadShardState(tx, group, shard),
      offsets: new Map(offsets.rows.map((r) => [r.topic, Number(r.next_offset)])),
    };
  });
}

export interface CommitInput {
  group: string;
  shard: number;
  epoch: number;
  offsets: readonly OffsetRange[];
  output: BatchOutput;
  /** From `takeStateChanges`, once per batch: a retried commit writes the same changes. */
  changes: StateChanges;
  ops: { minute: number; lag: ReadonlyMap<string, number> };
}

export type StateChanges = ReturnType<typeof takeStateChanges>;

/**
 * The state written since the last call, serialised now (a retried commit writes the same).
 * Upserts go as one JSON document of [ns, key, value] triples: binding them as text arrays made
 * node-postgres escape every quote of every value, a tenth of the worker's CPU.
 */
export function takeStateChanges(state: ShardState) {
  const upserts: [string, string, unknown][] = [];
  const delNs: string[] = [];
  const delKeys: string[] = [];
  for (const [name, keyed] of Object.entries(state.namespaces())) {
    const changes = keyed.takeChanges();
    for (const [k, v] of changes.upserts) upserts.push([name, k, v]);
    for (const k of changes.deletes) {
      delNs.push(name);
      delKeys.push(k);
    }
  }
  return { upserts: upserts.length > 0 ? JSON.stringify(upserts) : undefined, delNs, delKeys };
}

export async function commitBatch(sql: Sql, input: CommitInput): Promise<void> {
  const { group, shard } = input;
  const { changes } = input;
  const attempt = async (tx: SqlClient) => {
    // Safe without waiting for the disk: output, state and offsets are lost or kept together,
    // and what a crash of Postgres loses is read again from Kafka and recomputed identically.
    await tx.query("SET LOCAL synchronous_commit = off");
    const owner = await tx.query<{ epoch: string }>(
      "SELECT epoch FROM stream_shards WHERE group_id = $1 AND shard = $2 FOR UPDATE",
      [group, shard],
    );
    const epoch = owner.rows[0] ? Number(owner.rows[0].epoch) : undefined;
    if (epoch !== input.epoch)
      throw new LakehouseError("FENCED", `shard ${shard} is owned by epoch ${epoch}, not ${input.epoch}`, {
        context: { group, shard },
      });
    for (const o of input.offsets) {
      const r = await tx.query(
        `INSERT INTO stream_offsets AS s (group_id, topic, kafka_partition, next_offset) VALUES ($1, $2, $3, $5)
         ON CONFLICT (group_id, topic, kafka_partition) DO UPDATE SET next_offset = EXCLUDED.next_offset
         WHERE s.next_offset = $4`,
        [group, o.topic, o.partition, o.from, o.to],
      );
      if (r.rowCount !== 1)
        throw new LakehouseError("FENCED", `offset of ${o.topic}/${o.partition} is no longer ${o.from}`, {
          context: { group, ...o },
        });
    }
    await writeOutput(tx, input.output, input.ops);
    if (changes.upserts !== undefined)
      // `json` (not jsonb) keeps each value's text as sent, so `(e->2)::text` is a plain copy.
      await tx.query(
        `INSERT INTO stream_state (group_id, shard, ns, key, value)
         SELECT $1, $2, e->>0, e->>1, (e->2)::text FROM json_array_elements($3::json) AS e
         ON CONFLICT (group_id, shard, ns, key) DO UPDATE SET value = EXCLUDED.value`,
        [group, shard, changes.upserts],
      );
    if (changes.delNs.length > 0)
      await tx.query(
        `DELETE FROM stream_state s USING unnest($3::text[], $4::text[]) AS x(n, k)
         WHERE s.group_id = $1 AND s.shard = $2 AND s.ns = x.n AND s.key = x.k`,
        [group, shard, changes.delNs, changes.delKeys],
      );
  };
  await sql.transaction(attempt);
}
