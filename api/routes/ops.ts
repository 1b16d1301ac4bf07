/** Liveness, readiness (each backing store, and which one failed) and Prometheus metrics. */
import { Type } from "@sinclair/typebox";
import { registry } from "../../core/metrics.ts";
import type { Api, ApiContext } from "./context.ts";

const PING_TIMEOUT_MS = 2000;

async function check(ping: () => Promise<void>): Promise<{ ok: boolean; ms: number; error?: string }> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      ping(),
      new Promise((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no answer within ${PING_TIMEOUT_MS} ms`)),
          PING_TIMEOUT_MS,
        );
      }),
    ]);
    return { ok: true, ms: Math.round(performance.now() - started) };
  } catch (err) {
    // The reason in words, never the server's message (it can carry addresses or SQL).
    const e = err as { code?: string; message?: string };
    const reason = e.message?.startsWith("no answer") ? e.message : (e.code ?? "unavailable");
    return { ok: false, ms: Math.round(performance.now() - started), error: reason };
  } finally {
    clearTimeout(timer);
  }
}

const Check = Type.Object({ ok: Type.Boolean(), ms: Type.Integer(), error: Type.Optional(Type.String()) });

export function opsRoutes(app: Api, ctx: ApiContext): void {
  app.get(
    "/healthz",
    {
      schema: {
        tags: ["ops"],
        summary: "The process is up",
        response: { 200: Type.Object({ status: Type.Literal("ok") }) },
      },
    },
    async () => ({ status: "ok" as const }),
  );

  app.get(
    "/readyz",
    {
      schema: {
        tags: ["ops"],
        summary: "Each backing store answers: 200 when all do, 503 naming the one that does not",
        response: {
          200: Type.Object({ status: Type.String(), checks: Type.Record(Type.String(), Check) }),
          503: Type.Object({ status: Type.String(), checks: Type.Record(Type.String(), Check) }),
        },
      },
    },
    async (_req, reply) => {
      const [postgres, warehouse] = await Promise.all([
        check(() => ctx.realtime.ping()),
        check(() => ctx.warehouse.ping()),
      ]);
      const checks = { postgres, [ctx.warehouse.kind]: warehouse };
      const ok = postgres.ok && warehouse.ok;
      return reply.code(ok ? 200 : 503).send({ status: ok ? "ready" : "unavailable", checks });
    },
  );

  app.get(
    "/metrics",
    {
      config: { scope: "ops:read" },
      schema: {
        tags: ["ops"],
        summary: "Prometheus metrics (requests by route and status, process)",
        hide: false,
      },
    },
    async (_req, reply) => reply.type(registry.contentType).send(await registry.metrics()),
  );
}
