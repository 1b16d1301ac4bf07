/**
 * A lease in MongoDB so that batch runs never overlap, whoever starts them (a scheduler on
 * any machine, or a person running `lakehouse batch run`): one document per lock name with its
 * owner and an expiry that the holder keeps pushing forward. A holder that dies without
 * releasing loses the lock when the lease expires. Waiting is logged, with backoff.
 */
import type { Db } from "mongodb";
import { LakehouseError } from "../core/errors.ts";
import type { Logger } from "../core/logger.ts";
import { sleep } from "../core/retry.ts";

interface LockDoc {
  _id: string;
  owner: string;
  acquired_at: Date;
  expires_at: Date;
}

const LOCKS = "batch_locks";
const DUPLICATE_KEY = 11000;

async function tryAcquire(db: Db, name: string, owner: string, ttlMs: number): Promise<boolean> {
  const now = new Date();
  try {
    const r = await db
      .collection<LockDoc>(LOCKS)
      .findOneAndUpdate(
        { _id: name, $or: [{ expires_at: { $lt: now } }, { owner }] },
        { $set: { owner, acquired_at: now, expires_at: new Date(now.getTime() + ttlMs) } },
        { upsert: true, returnDocument: "after" },
      );
    return r?.owner === owner;
  } catch (err) {
    // The document exists and matched neither clause: someone else holds a live lease.
    if ((err as { code?: number }).code === DUPLICATE_KEY) return false;
    throw err;
  }
}

export interface HeldLock {
  release(): Promise<void>;
}

export async function acquireLock(
  db: Db,
  name: string,
  owner: string,
  options: { ttlMs?: number; logger: Logger; signal?: AbortSignal; waitMs?: number },
): Promise<HeldLock> {
  const ttlMs = options.ttlMs ?? 60_000;
  const deadline = options.waitMs === undefined ? Infinity : Date.now() + options.waitMs;
  let delay = 250;
  let logged = 0;
  while (!(await tryAcquire(db, name, owner, ttlMs))) {
    if (options.signal?.aborted) throw new LakehouseError("CONFLICT", `gave up waiting for the ${name} lock`);
    if (Date.now() > deadline)
      throw new LakehouseError("CONFLICT", `the ${name} lock is held by another run`);
    if (Date.now() - logged > 10_000) {
      const holder = await db.collection<LockDoc>(LOCKS).findOne({ _id: name });
      options.logger.info(
        { lock: name, holder: holder?.owner },
        `waiting for the ${name} lock (held by ${holder?.owner ?? "?"})`,
      );
      logged = Date.now();
    }
    await sleep(delay, options.signal).catch(() => {});
    delay = Math.min(delay * 2, 5000);
  }
  // Keep the lease alive while the run lasts.
  const heartbeat = setInterval(() => {
    void tryAcquire(db, name, owner, ttlMs).catch((err: Error) =>
      options.logger.warn({ err: err.message }, `could not renew the ${name} lock`),
    );
  }, ttlMs / 3);
  heartbeat.unref();
  return {
    release: async () => {
      clearInterval(heartbeat);
      await db.collection<LockDoc>(LOCKS).deleteOne({ _id: name, owner });
    },
  };
}
