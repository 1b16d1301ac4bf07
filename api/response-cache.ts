/**
 * A short-lived cache of whole real-time responses, kept as the bytes that were sent.
 * Dashboards ask the same questions every few seconds (every Grafana panel of every viewer)
 * and the stream commits about once a second, so an answer up to `ttlMs` old is as fresh as the
 * data. A hit skips the query, the formatting and the serialisation, not the key check: the
 * hooks run after authentication. Concurrent misses for one URL wait for the first one's
 * answer instead of each asking the database. Only 200s are kept; `ttlMs` 0 turns it off.
 *
 * Which routes: those that need `realtime:read`. Warehouse answers come from immutable
 * snapshots and are revalidated by ETag instead.
 */
import type { FastifyReply, FastifyRequest, RouteOptions } from "fastify";
import { LRUCache } from "lru-cache";
import type { Api } from "./routes/context.ts";

const JSON_TYPE = "application/json; charset=utf-8";

interface Pending {
  promise: Promise<string | undefined>;
  settle: (body: string | undefined) => void;
}

declare module "fastify" {
  interface FastifyRequest {
    /** This request computes the answer others wait for. */
    cacheLeader: Pending | undefined;
  }
}

export function cacheResponses(app: Api, ttlMs: number, maxEntries = 10_000): void {
  if (ttlMs <= 0) return;
  const done = new LRUCache<string, string>({ max: maxEntries, ttl: ttlMs });
  const inFlight = new Map<string, Pending>();
  const cacheable = (route: RouteOptions) =>
    [route.method].flat().includes("GET") && route.config?.scope === "realtime:read";
  const replay = (reply: FastifyReply, body: string) =>
    reply.code(200).type(JSON_TYPE).header("x-cache", "hit").send(body);

  app.decorateRequest("cacheLeader", undefined);
  const lookUp = async (req: FastifyRequest, reply: FastifyReply) => {
    const hit = done.get(req.url);
    if (hit !== undefined) return replay(reply, hit);
    const pending = inFlight.get(req.url);
    if (pending) {
      const body = await pending.promise;
      // The first one failed: this request asks for itself.
      if (body !== undefined) return replay(reply, body);
      return;
    }
    let settle!: (body: string | undefined) => void;
    const promise = new Promise<string | undefined>((resolve) => (settle = resolve));
    req.cacheLeader = { promise, settle };
    inFlight.set(req.url, req.cacheLeader);
  };
  const keep = async (req: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    const leader = req.cacheLeader;
    if (leader === undefined) return payload;
    req.cacheLeader = undefined;
    inFlight.delete(req.url);
    const body = reply.statusCode === 200 && typeof payload === "string" ? payload : undefined;
    if (body !== undefined) done.set(req.url, body);
    leader.settle(body);
    return payload;
  };
  // A request that ended without sending (client gone, timeout) must not leave others waiting.
  const release = async (req: FastifyRequest) => {
    if (req.cacheLeader === undefined) return;
    inFlight.delete(req.url);
    req.cacheLeader.settle(undefined);
    req.cacheLeader = undefined;
  };
  // Route hooks, on the cached routes only: every other request pays nothing. They run after
  // the app's own onRequest hooks, so after the key check.
  app.addHook("onRoute", (route) => {
    if (!cacheable(route)) return;
    route.onRequest = [...[route.onRequest ?? []].flat(), lookUp];
    route.onSend = [...[route.onSend ?? []].flat(), keep];
    route.onResponse = [...[route.onResponse ?? []].flat(), release];
    route.onRequestAbort = [...[route.onRequestAbort ?? []].flat(), release];
  });
}
