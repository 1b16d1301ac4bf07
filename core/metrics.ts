/**
 * The shared prom-client registry. Every service registers its metrics here and exposes it on
 * /metrics, so one scrape config covers the whole pipeline.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import { portInUse } from "./errors.ts";

export const registry = new Registry();
registry.setDefaultLabels({ app: "lakehouse" });

let defaultsOn = false;

/** Process metrics (CPU, RSS, event-loop lag, GC). Call once per service process. */
export function collectProcessMetrics(): void {
  if (defaultsOn) return;
  defaultsOn = true;
  collectDefaultMetrics({ register: registry, prefix: "lakehouse_" });
}

/**
 * Metric factories that return the already registered metric when a module is loaded twice
 * (tests, hot reload) instead of throwing "already registered".
 */
export function counter<L extends string>(name: string, help: string, labelNames: readonly L[] = []) {
  return (
    (registry.getSingleMetric(name) as Counter<L> | undefined) ??
    new Counter<L>({ name, help, labelNames, registers: [registry] })
  );
}

export function gauge<L extends string>(name: string, help: string, labelNames: readonly L[] = []) {
  return (
    (registry.getSingleMetric(name) as Gauge<L> | undefined) ??
    new Gauge<L>({ name, help, labelNames, registers: [registry] })
  );
}

export function histogram<L extends string>(
  name: string,
  help: string,
  labelNames: readonly L[] = [],
  buckets: number[] = [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
) {
  return (
    (registry.getSingleMetric(name) as Histogram<L> | undefined) ??
    new Histogram<L>({ name, help, labelNames, buckets, registers: [registry] })
  );
}

/**
 * Serves /metrics (and /health: 200 once `ready()`, 503 before) on `port` for services without
 * an HTTP server of their own (stream worker, sink). Port 0 picks a free one; close() stops it.
 */
export async function serveMetrics(
  port: number,
  host = "127.0.0.1",
  ready: () => boolean = () => true,
): Promise<{ port: number; close: () => Promise<void> }> {
  const { createServer } = await import("node:http");
  collectProcessMetrics();
  const server = createServer((req, res) => {
    if (req.url === "/metrics") {
      registry.metrics().then(
        (text) => res.writeHead(200, { "content-type": registry.contentType }).end(text),
        (err: Error) => res.writeHead(500).end(err.message),
      );
    } else if (req.url === "/health") {
      const up = ready();
      res
        .writeHead(up ? 200 : 503, { "content-type": "application/json" })
        .end(up ? '{"status":"ok"}' : '{"status":"starting"}');
    } else res.writeHead(404).end();
  });
  await new Promise<void>((resolve, reject) =>
    server
      .once("error", (err: Error) => reject(portInUse(err, port, "--metrics-port", "metrics port")))
      .listen(port, host, resolve),
  );
  const address = server.address();
  return {
    port: typeof address === "object" && address ? address.port : port,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
