import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import Fastify from "fastify";
import { describe, expect, it } from "vitest";
import type { Scope } from "../core/api-keys.ts";
import { cacheResponses } from "./response-cache.ts";
import type { Api } from "./routes/context.ts";

declare module "fastify" {
  interface FastifyContextConfig {
    scope?: Scope;
  }
}

/** A route that counts its calls, slowly, behind a key check like the API's. */
async function app(ttlMs: number) {
  const calls = { n: 0 };
  let status = 200;
  const api = Fastify().withTypeProvider<TypeBoxTypeProvider>() as unknown as Api;
  api.addHook("onRequest", async (req, reply) => {
    if (req.headers["x-api-key"] !== "k") return reply.code(401).send({ title: "no key" });
  });
  cacheResponses(api, ttlMs);
  const answer = async () => {
    calls.n++;
    await new Promise((r) => setTimeout(r, 20));
    if (status !== 200) throw Object.assign(new Error("down"), { statusCode: status });
    return { n: calls.n };
  };
  api.get("/rt", { config: { scope: "realtime:read" } }, answer);
  api.get("/wh", { config: { scope: "warehouse:read" } }, answer);
  await api.ready();
  const get = (url: string, key = "k") => api.inject({ url, headers: { "x-api-key": key } });
  return { api, calls, get, fail: (s: number) => (status = s) };
}

describe("the real-time response cache", () => {
  it("answers a URL again from memory within the TTL, and asks again after it", async () => {
    const { calls, get } = await app(60);
    const first = await get("/rt?a=1");
    const again = await get("/rt?a=1");
    expect(again.body).toBe(first.body);
    expect(again.headers["x-cache"]).toBe("hit");
    expect(again.headers["content-type"]).toBe("application/json; charset=utf-8");
    await get("/rt?a=2");
    expect(calls.n).toBe(2);
    await new Promise((r) => setTimeout(r, 90));
    expect((await get("/rt?a=1")).json()).toEqual({ n: 3 });
  });

  it("makes concurrent misses of one URL wait for one answer", async () => {
    const { calls, get } = await app(1000);
    const bodies = await Promise.all(Array.from({ length: 8 }, () => get("/rt")));
    expect(calls.n).toBe(1);
    expect(new Set(bodies.map((b) => b.body)).size).toBe(1);
  });

  it("keeps no failure: the waiters and the next request ask for themselves", async () => {
    const { calls, get, fail } = await app(1000);
    fail(503);
    const answers = await Promise.all([get("/rt"), get("/rt")]);
    expect(answers.map((a) => a.statusCode)).toEqual([503, 503]);
    expect(calls.n).toBe(2);
    fail(200);
    expect((await get("/rt")).statusCode).toBe(200);
    expect(calls.n).toBe(3);
  });

  it("still checks the key on a cached URL", async () => {
    const { get } = await app(1000);
    await get("/rt");
    expect((await get("/rt", "wrong")).statusCode).toBe(401);
  });

  it("leaves warehouse routes (ETag-revalidated) and a TTL of 0 alone", async () => {
    const wh = await app(1000);
    await wh.get("/wh");
    await wh.get("/wh");
    expect(wh.calls.n).toBe(2);
    const off = await app(0);
    await off.get("/rt");
    await off.get("/rt");
    expect(off.calls.n).toBe(2);
  });
});
