/**
 * The HTTP collector (`lakehouse ingest collect`): POST /v1/events with a JSON array or NDJSON
 * of events, answered 202 only after the log has acknowledged every accepted event (and the
 * DLQ records of rejected ones). 400 malformed body, 401 no valid API key, 413 too large,
 * 415 wrong content type, 503 when the log does not acknowledge in time (nothing is
 * remembered as seen then, so the client's retry is not mistaken for a duplicate).
 */
import Fastify, { type FastifyInstance, type FastifyError } from "fastify";
import { presentedKey, type KeyRing } from "../../core/api-keys.ts";
import type { LogProducer } from "../../core/eventlog/port.ts";
import { LakehouseError } from "../../core/errors.ts";
import type { Logger } from "../../core/logger.ts";
import { collectProcessMetrics, counter, histogram, registry } from "../../core/metrics.ts";
import { entriesFromJson, entriesFromNdjson, intake, RecentIds } from "./intake.ts";

export interface CollectorOptions {
  /** Only `send`: the collector answers after the log's acknowledgement. */
  producer: Pick<LogProducer, "send">;
  /** Keys with the `events:write` scope may post. */
  keys: KeyRing;
  logger: Logger;
  /** Largest request body; larger ones get 413. */
  bodyLimitBytes?: number;
  /** Most events in one request. */
  maxEvents?: number;
  dedupWindowMs?: number;
  dedupMaxIds?: number;
  /** How long to wait for the log's acknowledgement before answering 503. */
  ackTimeoutMs?: number;
}

const events = counter("lakehouse_collector_events_total", "Events received by the collector, by outcome", [
  "topic",
  "status",
]);
const latency = histogram(
  "lakehouse_collector_request_seconds",
  "POST /v1/events latency, acknowledgement included",
  ["status"],
);

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new LakehouseError("TIMEOUT", `the event log did not acknowledge within ${ms} ms`)),
      ms,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export function buildCollector(options: CollectorOptions): FastifyInstance {
  collectProcessMetrics();
  const app = Fastify({ bodyLimit: options.bodyLimitBytes ?? 5 * 1024 * 1024, logger: false });
  const recent = new RecentIds(options.dedupWindowMs ?? 10 * 60_000, options.dedupMaxIds ?? 1_000_000);
  const maxEvents = options.maxEvents ?? 10_000;

  // Bodies arrive as text: the intake parses them itself so it can keep each event's bytes.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    ["application/json", "application/x-ndjson", "application/ndjson"],
    { parseAs: "string" },
    (_req, body, done) => done(null, body),
  );

  app.setErrorHandler((err: FastifyError, _req, reply) => {
    const status =
      err instanceof LakehouseError
        ? err.code === "VALIDATION_FAILED"
          ? 400
          : 500
        : (err.statusCode ?? 500);
    const field =
      err instanceof LakehouseError
        ? (err.context.field as string | undefined)
        : status === 413 || status === 415
          ? "body"
          : undefined;
    if (status >= 500) options.logger.error({ err: err.message }, "collector error");
    void reply.status(status).send({ error: { status, message: err.message, ...(field ? { field } : {}) } });
  });

  app.addHook("onRequest", async (req, reply) => {
    if (req.url === "/health" || req.url === "/metrics") return;
    const given = presentedKey(req.headers);
    const identity = given === undefined ? undefined : options.keys.identify(given);
    if (identity === undefined) {
      await reply.status(401).send({
        error: { status: 401, message: "a valid API key is required (X-API-Key or Authorization: Bearer)" },
      });
    } else if (!identity.scopes.has("events:write")) {
      await reply
        .status(403)
        .send({ error: { status: 403, message: "this API key lacks the events:write scope" } });
    }
  });

  app.get("/health", async () => ({ status: "ok" }));
  app.get("/metrics", async (_req, reply) => reply.type(registry.contentType).send(await registry.metrics()));

  app.post("/v1/events", async (req, reply) => {
    const started = performance.now();
    const type = (req.headers["content-type"] ?? "").split(";")[0]!.trim();
    const entries =
      type === "application/json"
        ? entriesFromJson(req.body as string)
        : entriesFromNdjson(req.body as string);
    if (entries.length === 0)
      throw new LakehouseError("VALIDATION_FAILED", "body: no events", { context: { field: "body" } });
    if (entries.length > maxEvents) {
      throw new LakehouseError(
        "VALIDATION_FAILED",
        `body: ${entries.length} events, at most ${maxEvents} per request`,
        { context: { field: "body" } },
      );
    }
    const { results, records, accepted } = intake(entries, recent);
    try {
      await withTimeout(options.producer.send(records), options.ackTimeoutMs ?? 10_000);
    } catch (err) {
      latency.observe({ status: "503" }, (performance.now() - started) / 1000);
      options.logger.warn(
        { err: (err as Error).message, events: records.length },
        "collector: log did not acknowledge",
      );
      return reply
        .status(503)
        .header("retry-after", "5")
        .send({ error: { status: 503, message: (err as Error).message } });
    }
    for (const { topic, id, fingerprint } of accepted) recent.remember(topic, id, fingerprint);
    for (const r of results) events.inc({ topic: r.topic, status: r.status });
    const count = (status: string) => results.filter((r) => r.status === status).length;
    const status = count("accepted") + count("duplicate") > 0 ? 202 : 400;
    latency.observe({ status: String(status) }, (performance.now() - started) / 1000);
    return reply.status(status).send({
      accepted: count("accepted"),
      duplicates: count("duplicate"),
      rejected: count("rejected"),
      results,
    });
  });

  return app;
}
