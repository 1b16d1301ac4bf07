/**
 * `lakehouse batch schedule` (SPEC section 7): runs the batch for the day that just ended, on
 * `BATCH_CRON` in `TZ_BATCH` (node-cron). Each run takes the batch lock (warehouse/lock.ts), so
 * a manual run and a scheduled one, or two schedulers, never overlap; a second scheduler firing
 * on the same tick waits for the lock and then finds the date done. A failed run is retried
 * (three attempts, 30 s then 2 min apart) unless a data test failed: that needs a person.
 */
import cron, { type ScheduledTask } from "node-cron";
import { LakehouseError } from "../core/errors.ts";
import type { Logger } from "../core/logger.ts";
import { sleep } from "../core/retry.ts";
import { runDate, type BatchEnv } from "./run-date.ts";

/** The calendar date before `at`, as seen in `timeZone`. */
export function previousDay(at: Date, timeZone: string): string {
  const local = new Intl.DateTimeFormat("en-CA", {
    timeZone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
  }).format(at);
  const d = new Date(`${local}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() - 1);
  return d.toISOString().slice(0, 10);
}

export interface ScheduleOptions {
  cron: string;
  timeZone: string;
  job?: string;
  logger: Logger;
  retryDelaysMs?: readonly number[];
  /** Which date a tick builds; the day before the tick by default. */
  dateFor?: (tick: Date) => string;
}

export function startScheduler(
  env: BatchEnv,
  options: ScheduleOptions,
): { task: ScheduledTask; stop(): Promise<void> } {
  if (!cron.validate(options.cron))
    throw new LakehouseError(
      "CONFIG_INVALID",
      `BATCH_CRON ${JSON.stringify(options.cron)} is not a cron expression`,
    );
  const stopping = new AbortController();
  const delays = options.retryDelaysMs ?? [30_000, 120_000];
  let running: Promise<void> = Promise.resolve();
  const fire = async (tick: Date) => {
    const date = (options.dateFor ?? ((t) => previousDay(t, options.timeZone)))(tick);
    options.logger.info({ tick: tick.toISOString(), date }, `scheduled batch for ${date}`);
    for (let attempt = 0; ; attempt++) {
      try {
        await runDate(env, date, options.job, { skipIfDoneSince: tick, signal: stopping.signal });
        return;
      } catch (err) {
        const e = err as LakehouseError;
        if (stopping.signal.aborted) return;
        if (e.code === "DATA_TEST_FAILED" || attempt >= delays.length) {
          options.logger.error(
            { date, err: e.message, attempts: attempt + 1 },
            `scheduled batch for ${date} failed: ${e.message}`,
          );
          return;
        }
        options.logger.warn(
          { date, err: e.message },
          `scheduled batch for ${date} failed; retrying in ${delays[attempt]} ms`,
        );
        await sleep(delays[attempt]!, stopping.signal).catch(() => {});
      }
    }
  };
  const task = cron.schedule(
    options.cron,
    (ctx) => {
      running = fire(ctx.date);
      return running;
    },
    { timezone: options.timeZone, noOverlap: true, name: "nightly-batch" },
  );
  options.logger.info(
    { cron: options.cron, timeZone: options.timeZone },
    `batch scheduled: "${options.cron}" (${options.timeZone})`,
  );
  return {
    task,
    stop: async () => {
      stopping.abort();
      await task.stop();
      await running;
      await task.destroy();
    },
  };
}
