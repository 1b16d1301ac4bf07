/**
 * A shard's state persisted as a changelog (migration 003): every committed batch appends one
 * body with what it changed, and when the bodies since the last snapshot outweigh it, the
 * batch writes a snapshot of the whole state instead, which replaces everything before it. So
 * a commit writes one row however many keys changed, and loading reads at most about twice the
 * state's size. Pure: the Postgres adapter (shard-store.ts) stores and reads the bodies.
 *
 * Body: `{"u":[[namespace,key,value],...],"d":[[namespace,key],...]}`; a snapshot is the same
 * with every key as an upsert, split into parts so no single value grows without bound.
 */
import { OPERATORS } from "./all.ts";
import { ShardState } from "./state.ts";

/** Namespaces a log may hold; anything else (an operator since removed) is ignored. */
const OPERATOR_SPACES = new Set(OPERATORS.flatMap((o) => (o.namespace ? [o.namespace] : [])));

/** Where a shard's log stands: the last sequence number and the bytes since its snapshot. */
export interface StateLogPosition {
  seq: number;
  logBytes: number;
  snapshotBytes: number;
}

/** What one commit appends: a change body, or the parts of a snapshot. */
export interface StateWrite {
  seq: number;
  snapshot: boolean;
  bodies: string[];
}

export interface StateLogLimits {
  /** No snapshot before the log holds this much, so a small state is not rewritten per batch. */
  minLogBytes: number;
  /** Largest snapshot part. */
  partBytes: number;
}

export const DEFAULT_STATE_LOG_LIMITS: StateLogLimits = {
  minLogBytes: 8 * 1024 * 1024,
  partBytes: 8 * 1024 * 1024,
};

export const emptyPosition = (): StateLogPosition => ({ seq: 0, logBytes: 0, snapshotBytes: 0 });

/**
 * Takes the state's changes since the last call and says what to append for them, advancing
 * `position`; undefined when nothing changed. Called once per batch: a retried commit writes
 * the same thing, and a failed one reloads the shard (state and position) from Postgres.
 */
export function takeStateWrite(
  state: ShardState,
  position: StateLogPosition,
  limits: StateLogLimits = DEFAULT_STATE_LOG_LIMITS,
): StateWrite | undefined {
  // The batch ends here, however many calls processed it: its event ids of a topic stay one
  // group (one persisted entry), and the next batch's ids go to new ones.
  state.seen.seal();
  const upserts: [string, string, unknown][] = [];
  const deletes: [string, string][] = [];
  for (const [name, keyed] of Object.entries(state.namespaces())) {
    const changes = keyed.takeChanges();
    for (const [k, v] of changes.upserts) upserts.push([name, k, v]);
    for (const k of changes.deletes) deletes.push([name, k]);
  }
  if (upserts.length === 0 && deletes.length === 0) return undefined;
  const body = JSON.stringify({ u: upserts, d: deletes });
  const seq = position.seq + 1;
  position.seq = seq;
  if (position.logBytes + body.length <= Math.max(position.snapshotBytes, limits.minLogBytes)) {
    position.logBytes += body.length;
    return { seq, snapshot: false, bodies: [body] };
  }
  const bodies = snapshotBodies(state, limits.partBytes);
  position.logBytes = 0;
  position.snapshotBytes = bodies.reduce((n, b) => n + b.length, 0);
  return { seq, snapshot: true, bodies };
}

/** The whole state as snapshot parts of at most about `partBytes` each. */
function snapshotBodies(state: ShardState, partBytes: number): string[] {
  const bodies: string[] = [];
  let items: string[] = [];
  let size = 0;
  const close = () => {
    bodies.push(`{"u":[${items.join(",")}],"d":[]}`);
    items = [];
    size = 0;
  };
  for (const [name, keyed] of Object.entries(state.namespaces())) {
    for (const [k, v] of keyed.map) {
      const item = JSON.stringify([name, k, v]);
      if (size > 0 && size + item.length > partBytes) close();
      items.push(item);
      size += item.length + 1;
    }
  }
  if (items.length > 0 || bodies.length === 0) close();
  return bodies;
}

/** A stored log row, in (seq, part) order. */
export interface StateLogRow {
  seq: number;
  snapshot: boolean;
  body: string;
}

/** Rebuilds a shard's state from its log rows (the last snapshot's parts, then later changes). */
export function replayStateLog(rows: Iterable<StateLogRow>): {
  state: ShardState;
  position: StateLogPosition;
} {
  let state = new ShardState();
  const position = emptyPosition();
  let snapshotSeq: number | undefined;
  for (const row of rows) {
    if (row.snapshot) {
      if (row.seq !== snapshotSeq) {
        // Rows before a snapshot are normally deleted with it; if any remain, it supersedes them.
        state = new ShardState();
        snapshotSeq = row.seq;
        position.snapshotBytes = 0;
        position.logBytes = 0;
      }
      position.snapshotBytes += row.body.length;
    } else {
      position.logBytes += row.body.length;
    }
    const { u, d } = JSON.parse(row.body) as { u: [string, string, unknown][]; d: [string, string][] };
    const spaces = state.namespaces();
    const space = (ns: string) =>
      spaces[ns] ?? (OPERATOR_SPACES.has(ns) ? (spaces[ns] = state.keyed(ns)) : undefined);
    for (const [ns, k, v] of u) space(ns)?.restore(k, v);
    for (const [ns, k] of d) space(ns)?.forget(k);
    position.seq = row.seq;
  }
  state.seen.rebuild();
  return { state, position };
}
