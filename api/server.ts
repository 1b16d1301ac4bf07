/**
 * The REST API (SPEC section 9): Fastify with TypeBox schemas, one module per resource under
 * routes/. Order of a request: security headers, rate limit per key (or per address without
 * one), authentication and scope, the real-time response cache (response-cache.ts), schema
 * validation (unknown parameters refused), the handler, serialisation from the response schema
 * (nothing a schema does not list leaves), metrics. Every error is a problem+json body from
 * problem.ts.
 */
import cookie from "@fastify/cookie";
import cors from "@fastify/cors";
import rateLimit from "@fastify/rate-limit";
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import Fastify, { type FastifyRequest } from "fastify";
import helmet from "helmet";
import type { Socket } from "node:net";
import { presentedKey, type Identity, type KeyRing, type Scope } from "../core/api-keys.ts";
import type { ApiSettings } from "../core/config.ts";
import { LakehouseError } from "../core/errors.ts";
import type { Logger } from "../core/logger.ts";
import { collectProcessMetrics, counter, histogram } from "../core/metrics.ts";
import { problem, PROBLEM_TYPE, toProblem } from "./problem.ts";
import { ProblemSchema } from "./problem-schema.ts";
import { cacheResponses } from "./response-cache.ts";
import { SessionSigner, sessionToken } from "./session.ts";
import type { Api, ApiContext } from "./routes/context.ts";
import { opsRoutes } from "./routes/ops.ts";
import { overviewRoutes } from "./routes/overview.ts";
import { anomalyRoutes } from "./routes/realtime/anomalies.ts";
import { funnelRoutes } from "./routes/realtime/funnel.ts";
import { inventoryRoutes } from "./routes/realtime/inventory.ts";
import { operationsRoutes } from "./routes/realtime/operations.ts";
import { paymentRoutes } from "./routes/realtime/payments.ts";
import { salesRoutes } from "./routes/realtime/sales.ts";
import { sessionRoutes } from "./routes/realtime/sessions.ts";
import { batchRunRoutes } from "./routes/warehouse/batch-runs.ts";
import { cohortRoutes } from "./routes/warehouse/cohorts.ts";
import { customerRoutes } from "./routes/warehouse/customers.ts";
import { productRoutes } from "./routes/warehouse/products.ts";
import { warehouseSalesRoutes } from "./routes/warehouse/sales.ts";

declare module "fastify" {
  interface FastifyContextConfig {
    /** The scope a key needs; routes without one are open (health, docs). */
    scope?: Scope;
  }
  interface FastifyRequest {
    identity: Identity | undefined;
  }
}

const documented = new WeakMap<object, string[]>();

/** Every route the app registered, as "GET /path": the tests hold them against the OpenAPI document. */
export const routesOf = (app: Api): string[] => documented.get(app) ?? [];

export interface ApiOptions extends Omit<ApiContext, "now"> {
  keys: KeyRing;
  logger: Logger;
  /** Requests per minute per key (per address without a key); 0 = no limit. */
  rateLimitPerMinute: number;
  /** How long a real-time answer is served again from memory (API_CACHE_TTL_MS); 0 = never. */
  cacheTtlMs?: number;
  corsOrigins?: string[] | undefined;
  /** Signs the overview page's session cookies (API_SESSION_SECRET); unset = random per process. */
  sessionSecret?: string | undefined;
  now?: () => number;
}

/** What buildApi takes from the API's config (core/config.ts). */
export const settingsOf = (api: ApiSettings) => ({
  maxRangeMs: api.maxRangeMs,
  rateLimitPerMinute: api.rateLimitPerMinute,
  corsOrigins: api.corsOrigins,
  sessionSecret: api.sessionSecret,
  cacheTtlMs: api.cacheTtlMs,
});

const requests = counter("lakehouse_api_requests_total", "API requests by route, method and status", [
  "route",
  "method",
  "status",
]);
const duration = histogram(
  "lakehouse_api_request_duration_seconds",
  "API request duration by route, method and status",
  ["route", "method", "status"],
  [0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
);

/** Node answers a request line or headers over its limit before Fastify sees it: answer 400 too. */
function clientError(err: NodeJS.ErrnoException, socket: Socket): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const tooLarge = err.code === "HPE_HEADER_OVERFLOW";
  const body = JSON.stringify(
    tooLarge
      ? problem("VALIDATION_FAILED", "url: the request line and headers may not exceed 16 KB", [
          { field: "url", message: "longer than 16 KB" },
        ])
      : problem("VALIDATION_FAILED", "the request is malformed"),
  );
  socket.end(
    `HTTP/1.1 400 Bad Request\r\nContent-Type: ${PROBLEM_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/** The caller: a key in the headers, else the overview page's session cookie. */
function identify(keys: KeyRing, sessions: SessionSigner, req: FastifyRequest): Identity | undefined {
  if (req.identity === undefined) {
    const given = presentedKey(req.headers);
    req.identity = given === undefined ? sessions.verify(sessionToken(req)) : keys.identify(given);
  }
  return req.identity;
}

export async function buildApi(options: ApiOptions): Promise<Api> {
  collectProcessMetrics();
  const ctx: ApiContext = {
    realtime: options.realtime,
    warehouse: options.warehouse,
    maxRangeMs: options.maxRangeMs,
    now: options.now ?? Date.now,
  };
  const app = Fastify({
    // Requests are counted in metrics, not logged one by one (thousands a second); errors are logged.
    logger: false,
    bodyLimit: 16 * 1024,
    requestTimeout: 15_000,
    routerOptions: { maxParamLength: 100 },
    return503OnClosing: true,
    clientErrorHandler: clientError,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: true, allErrors: false } },
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.decorateRequest("identity", undefined);
  const sessions = new SessionSigner(options.keys, options.sessionSecret, ctx.now);
  const who = (req: FastifyRequest) => identify(options.keys, sessions, req);
  await app.register(cookie, { hook: false });

  // helmet's middleware built once: @fastify/helmet builds it again (parsing the CSP) on every
  // request, which cost about a sixth of a /healthz request's CPU.
  const secureHeaders = helmet({
    // The docs page loads its own scripts and styles from this origin only.
    contentSecurityPolicy: {
      directives: {
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        // The API is often reached over plain http on a private network; upgrading would break it.
        "upgrade-insecure-requests": null,
      },
    },
  });
  app.addHook("onRequest", (req, reply, done) =>
    secureHeaders(req.raw, reply.raw, (err) => done(err as Error | undefined)),
  );
  if (options.corsOrigins)
    await app.register(cors, {
      origin: options.corsOrigins,
      methods: ["GET", "HEAD"],
      allowedHeaders: ["x-api-key", "authorization", "if-none-match"],
    });
  if (options.rateLimitPerMinute > 0)
    await app.register(rateLimit, {
      max: options.rateLimitPerMinute,
      timeWindow: 60_000,
      keyGenerator: (req) => {
        const caller = who(req);
        return caller ? `key:${caller.name}` : `addr:${req.ip}`;
      },
      errorResponseBuilder: (_req, context) =>
        Object.assign(
          new LakehouseError(
            "RATE_LIMITED",
            `more than ${context.max} requests a minute; retry in ${Math.ceil(context.ttl / 1000)} s`,
          ),
          { statusCode: 429 },
        ),
    });

  // Callback-style hooks here and for the metrics: they run on every request, and an async
  // hook costs a promise each time.
  app.addHook("onRequest", (req, _reply, done) => {
    const scope = req.routeOptions.config.scope;
    if (scope === undefined) return done();
    const caller = who(req);
    if (!caller)
      return done(
        new LakehouseError("UNAUTHORIZED", "send a valid API key as X-API-Key or Authorization: Bearer"),
      );
    if (!caller.scopes.has(scope))
      return done(new LakehouseError("FORBIDDEN", `the key "${caller.name}" lacks the ${scope} scope`));
    done();
  });

  // After the key check, so a cached answer still needs a key with the scope.
  cacheResponses(app, options.cacheTtlMs ?? 0);

  app.addHook("onResponse", (req, reply, done) => {
    const labels = {
      route: req.routeOptions.url ?? "unmatched",
      method: req.method,
      status: String(reply.statusCode),
    };
    requests.inc(labels);
    duration.observe(labels, reply.elapsedTime / 1000);
    done();
  });

  app.setErrorHandler((err, req, reply) => {
    const { problem: p, fault } = toProblem(err);
    if (fault) {
      const cause = (err as { cause?: { message?: string } }).cause?.message;
      const level = p.status === 503 ? "warn" : "error";
      options.logger[level](
        { route: req.routeOptions.url, err: (err as Error).message, cause },
        `${req.method} ${req.url}: ${p.status}`,
      );
    }
    if (p.status === 503) void reply.header("retry-after", "5");
    return reply.code(p.status).type(PROBLEM_TYPE).send(p);
  });
  app.setNotFoundHandler((req, reply) =>
    reply
      .code(404)
      .type(PROBLEM_TYPE)
      .send(problem("NOT_FOUND", `no route ${req.method} ${req.url.split("?")[0]!.slice(0, 200)}`)),
  );

  await app.register(swagger, {
    openapi: {
      openapi: "3.1.0",
      info: {
        title: "GlobalMart Lakehouse API",
        version: "1.0.0",
        description:
          "Real-time metrics from the stream layer (Postgres) and the nightly warehouse (MongoDB or DuckDB). " +
          "Money is a decimal string with two decimals; times are ISO-8601 UTC; lists page by opaque cursor.",
      },
      components: {
        securitySchemes: {
          apiKey: { type: "apiKey", in: "header", name: "x-api-key" },
          bearer: { type: "http", scheme: "bearer" },
        },
        schemas: {},
      },
    },
  });
  await app.register(swaggerUi, { routePrefix: "/docs", staticCSP: true });

  const registered: string[] = [];
  documented.set(app, registered);
  // Every documented route answers errors as problems, and says which scope it needs.
  app.addHook("onRoute", (route) => {
    if (route.url.startsWith("/docs") || route.schema?.hide === true) return;
    for (const m of [route.method].flat()) if (m !== "HEAD") registered.push(`${m} ${route.url}`);
    if (route.schema === undefined) return;
    const scope = route.config?.scope;
    const errors = Object.fromEntries(
      [400, ...(scope ? [401, 403, 429] : []), 404, 503].map((s) => [
        s,
        { ...ProblemSchema, description: "problem+json" },
      ]),
    );
    route.schema = {
      ...route.schema,
      response: { ...errors, ...(route.schema.response as object) },
      ...(scope
        ? { security: [{ apiKey: [] }, { bearer: [] }], description: `Needs the \`${scope}\` scope.` }
        : {}),
    };
  });

  for (const register of [
    opsRoutes,
    salesRoutes,
    anomalyRoutes,
    inventoryRoutes,
    sessionRoutes,
    funnelRoutes,
    paymentRoutes,
    operationsRoutes,
    customerRoutes,
    warehouseSalesRoutes,
    productRoutes,
    cohortRoutes,
    batchRunRoutes,
  ])
    register(app, ctx);
  await overviewRoutes(app, sessions, who);
  app.get("/openapi.json", { schema: { hide: true } }, async () => app.swagger());
  await app.ready();
  return app;
}
