/**
 * A short-lived result cache in front of the real-time store. Dashboards ask the same questions
 * every few seconds (every Grafana panel of every viewer), and the stream commits about once a
 * second, so an answer up to `ttlMs` old is as fresh as the data. Identical queries in flight
 * share one round trip; failures are not cached. `ttlMs` 0 turns it off.
 */
import { LRUCache } from "lru-cache";
import type { RealtimeDb } from "./realtime.ts";

export function cachedRealtime(db: RealtimeDb, ttlMs: number, maxEntries = 10_000): RealtimeDb {
  if (ttlMs <= 0) return db;
  const done = new LRUCache<string, unknown[]>({ max: maxEntries, ttl: ttlMs });
  const inFlight = new Map<string, Promise<unknown[]>>();
  return {
    query<T>(text: string, params: readonly unknown[] = []): Promise<T[]> {
      const key = `${text}\u0000${JSON.stringify(params)}`;
      const hit = done.get(key);
      if (hit) return Promise.resolve(hit as T[]);
      let pending = inFlight.get(key);
      if (!pending) {
        pending = db.query<unknown>(text, params).then(
          (rows) => {
            done.set(key, rows);
            inFlight.delete(key);
            return rows;
          },
          (err: unknown) => {
            inFlight.delete(key);
            throw err;
          },
        );
        inFlight.set(key, pending);
      }
      return pending as Promise<T[]>;
    },
    ping: () => db.ping(),
    close: () => db.close(),
  };
}
