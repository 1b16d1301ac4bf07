/**
 * The one shape of a long-running command (`stream run`, `sink run`, `ingest collect`,
 * `batch schedule`, `api`): /metrics and /health on a port of its own when it has no HTTP
 * server, readiness, a graceful stop on SIGINT/SIGTERM, and bounded restarts with backoff after
 * a failure, each logged with its reason. The command supplies only `run`, which owns its
 * connections and returns when the signal aborts.
 */
import { LakehouseError } from "./errors.ts";
import type { Logger } from "./logger.ts";
import { serveMetrics } from "./metrics.ts";
import { sleep } from "./retry.ts";
import { shutdownSignal } from "./shutdown.ts";

export interface ServiceContext {
  /** Aborted by SIGINT/SIGTERM: finish the work in hand, commit, return. */
  signal: AbortSignal;
  /** Marks the service ready: /health answers 200 from then on (503 before). */
  ready: () => void;
  /** Where /metrics and /health are served (port 0 asked for any free one), if they are. */
  metricsPort: number | undefined;
}

export interface ServiceOptions {
  /** How the logs call it: "stream worker", "lake sink". */
  name: string;
  logger: Logger;
  /** Where to serve /metrics and /health; unset for services with an HTTP server of their own. */
  metrics?: [port: number, host: string];
  /** Restarts after a failure before giving up with exit code 1; 0 = none. */
  maxRestarts?: number;
  /**
   * A run that lasted this long before failing was healthy: the count starts again, so
   * `maxRestarts` bounds failures in a row (a crash loop), not a week's worth of server restarts.
   */
  healthyAfterMs?: number;
  run(ctx: ServiceContext): Promise<void>;
}

const MAX_BACKOFF_MS = 30_000;
const HEALTHY_AFTER_MS = 60_000;

/** Runs the service until it is stopped (exit code 0) or fails past its restarts (1). */
export async function runService(options: ServiceOptions): Promise<number> {
  const { name, logger } = options;
  const maxRestarts = options.maxRestarts ?? 0;
  let ready = false;
  const metrics = options.metrics ? await serveMetrics(...options.metrics, () => ready) : undefined;
  const { signal, dispose } = shutdownSignal(logger);
  if (metrics)
    logger.info({ metricsPort: metrics.port }, `${name}: /metrics and /health on port ${metrics.port}`);
  let restarts = 0;
  try {
    for (;;) {
      const began = Date.now();
      try {
        await options.run({ signal, ready: () => (ready = true), metricsPort: metrics?.port });
        return 0;
      } catch (err) {
        ready = false;
        if (signal.aborted) return 0;
        // A mistake in the configuration (a port in use, a bad flag) is not fixed by restarting:
        // it goes to the command line as one line.
        if (err instanceof LakehouseError && err.code === "CONFIG_INVALID") throw err;
        if (Date.now() - began >= (options.healthyAfterMs ?? HEALTHY_AFTER_MS)) restarts = 0;
        restarts += 1;
        const reason = (err as Error).message;
        if (restarts > maxRestarts) {
          logger.fatal(
            { err: reason, restarts: restarts - 1 },
            `${name} gives up after ${restarts - 1} restarts: ${reason}`,
          );
          return 1;
        }
        const delay = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** (restarts - 1));
        logger.error(
          { err: reason, restart: restarts, delayMs: delay },
          `${name} failed (${reason}); restart ${restarts} of ${maxRestarts} in ${delay} ms`,
        );
        await sleep(delay, signal).catch(() => {});
      }
    }
  } finally {
    await metrics?.close();
    dispose();
  }
}

/** Resolves when the signal aborts: the body of a service that serves until it is stopped. */
export const stopped = (signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener("abort", () => resolve(), { once: true });
  });
