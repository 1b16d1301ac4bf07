/**
 * Progress of long work (SPEC section 7): on a terminal, one line rewritten twice a second
 * with totals, rate and ETA; otherwise a plain log line every few seconds.
 */
import type { Logger } from "./logger.ts";

export interface ProgressOptions {
  what: string;
  unit?: string;
  /** Expected total, for the ETA. */
  total?: number;
  logger: Logger;
  stream?: NodeJS.WriteStream;
  logEveryMs?: number;
}

function compact(n: number): string {
  return Math.round(n).toLocaleString("en");
}

function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "?";
  const s = Math.round(seconds);
  return s >= 3600
    ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`
    : s >= 60
      ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`
      : `${s}s`;
}

export class Progress {
  count = 0;
  errors = 0;
  private readonly started = performance.now();
  private lastCount = 0;
  private lastAt = this.started;
  private readonly timer: NodeJS.Timeout;
  private readonly tty: boolean;
  private readonly stream: NodeJS.WriteStream;

  constructor(private readonly options: ProgressOptions) {
    this.stream = options.stream ?? process.stderr;
    this.tty = this.stream.isTTY === true;
    this.timer = setInterval(() => this.report(false), this.tty ? 500 : (options.logEveryMs ?? 5000));
    this.timer.unref();
  }

  add(n = 1): void {
    this.count += n;
  }

  error(n = 1): void {
    this.errors += n;
  }

  /** Figures since the start: count, errors, seconds and average rate. */
  summary(): { count: number; errors: number; seconds: number; perSecond: number } {
    const seconds = (performance.now() - this.started) / 1000;
    return {
      count: this.count,
      errors: this.errors,
      seconds,
      perSecond: seconds > 0 ? this.count / seconds : 0,
    };
  }

  private report(final: boolean): void {
    const now = performance.now();
    const rate = final
      ? this.summary().perSecond
      : ((this.count - this.lastCount) * 1000) / Math.max(1, now - this.lastAt);
    this.lastCount = this.count;
    this.lastAt = now;
    const unit = this.options.unit ?? "events";
    const eta =
      this.options.total !== undefined && rate > 0 && !final
        ? `, ETA ${duration((this.options.total - this.count) / rate)}`
        : "";
    const line = `${this.options.what}: ${compact(this.count)} ${unit}, ${compact(rate)} ${unit}/s, ${compact(this.errors)} errors${eta}`;
    if (this.tty) this.stream.write(`\r\x1b[2K${line}${final ? "\n" : ""}`);
    else
      this.options.logger.info({ count: this.count, perSecond: Math.round(rate), errors: this.errors }, line);
  }

  /** Stops the updates and prints the final line. */
  done(): void {
    clearInterval(this.timer);
    this.report(true);
  }
}
