/**
 * Graceful stop for long-running commands: the first SIGINT/SIGTERM aborts the returned
 * signal (the command stops taking work, flushes and commits); a second one exits at once.
 */
import type { Logger } from "./logger.ts";

export function shutdownSignal(logger: Logger): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const onSignal = (name: NodeJS.Signals) => {
    if (controller.signal.aborted) {
      logger.warn(`${name} again: exiting without waiting`);
      process.exit(130);
    }
    logger.info(`${name}: finishing the current work, flushing and stopping (send again to force)`);
    controller.abort(new Error(`stopped by ${name}`));
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    },
  };
}
