/**
 * The API on the full stack's stores: real Postgres (a schema of its own, read as the
 * lakehouse_reader role) and the MongoDB-wire server (FerretDB here), both reached through TCP
 * proxies so a test can take either away and bring it back while the API serves.
 */
import { describe, expect, it } from "vitest";
import { requireServer } from "../core/local-servers.ts";
import { openFullStack } from "./testing/full-stack.ts";
import { apiFor, apiSuite } from "./testing/suite.ts";

const available = (await requireServer("postgres")) && (await requireServer("mongo"));
apiSuite("the API on Postgres and the MongoDB-wire warehouse", available, openFullStack);

describe.skipIf(!available)("the API while a backing store is away", { timeout: 120_000 }, () => {
  it("answers 503 on the routes that need the store, says which in /readyz, and recovers by itself", async () => {
    const s = await openFullStack();
    const app = await apiFor(s);
    const get = async (url: string) => {
      const res = await app.inject({ url, headers: { "x-api-key": "k-all" } });
      return {
        status: res.statusCode,
        json: () => res.json<Record<string, unknown>>(),
        headers: res.headers,
      };
    };
    const realtimeUrl = "/v1/realtime/funnel?from=2026-11-01T00:00:00Z&to=2026-11-02T00:00:00Z";
    const warehouseUrl = "/v1/warehouse/rfm/segments";
    const until = async (check: () => Promise<boolean>, what: string) => {
      const deadline = Date.now() + 30_000;
      while (!(await check())) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 250));
      }
    };
    try {
      expect((await get(realtimeUrl)).status).toBe(200);
      expect((await get(warehouseUrl)).status).toBe(200);

      await s.pgProxy.down();
      const down = await get(realtimeUrl);
      expect(down.status).toBe(503);
      expect(down.json()).toMatchObject({ code: "SERVICE_UNAVAILABLE" });
      expect(down.headers["retry-after"]).toBe("5");
      expect((await get(warehouseUrl)).status).toBe(200); // the warehouse does not need Postgres
      const ready = await get("/readyz");
      expect(ready.status).toBe(503);
      expect(ready.json()).toMatchObject({ checks: { postgres: { ok: false }, mongodb: { ok: true } } });
      await s.pgProxy.up();
      await until(async () => (await get(realtimeUrl)).status === 200, "postgres routes to recover");
      expect((await get("/readyz")).status).toBe(200);

      await s.mongoProxy.down();
      await new Promise((r) => setTimeout(r, 1100)); // past the pointer cache
      const away = await get(warehouseUrl);
      expect(away.status).toBe(503);
      expect((await get(realtimeUrl)).status).toBe(200);
      expect((await get("/readyz")).json()).toMatchObject({
        checks: { postgres: { ok: true }, mongodb: { ok: false } },
      });
      await s.mongoProxy.up();
      await until(async () => (await get(warehouseUrl)).status === 200, "warehouse routes to recover");
      expect((await get("/readyz")).status).toBe(200);
    } finally {
      await app.close();
      await s.close();
    }
  });
});
