/**
 * How each fault of the schedule is done to the running pipeline, with real means only: SIGKILL
 * through the supervisor, a server stopped and started by services.sh, SIGSTOP past Kafka's
 * session timeout, and `chattr +i` on MinIO's directory of the run's lake so MinIO itself
 * refuses the writes. `restore` undoes whatever a fault left behind.
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import type { ScheduledFault } from "./schedule.ts";
import type { Supervisor } from "./supervisor.ts";

const ROOT = new URL("../..", import.meta.url).pathname;
const exec = promisify(execFile);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const services = (...args: string[]) =>
  exec("bash", [join(ROOT, "services/services.sh"), ...args], { maxBuffer: 1 << 24 });

export interface Injected {
  /** The fault's name, with how a batch kill landed ("mid-publish"). */
  name: string;
  /** When the fault was lifted: the server answered again, the worker resumed, the kill landed. */
  liftedAt: number;
  /** A killed batch: the run that must still succeed. */
  batchRun?: Promise<unknown>;
}

export class Injector {
  private streamKills = 0;

  constructor(
    private readonly o: {
      supervisor: Supervisor;
      /** MinIO's directory of the run's lake prefix. */
      lakeDir: string;
      /** Queues a batch of `date` after any running one; returns its service name and its end. */
      batch: (date: string) => { name: string; done: Promise<unknown> };
      batchRun: (name: string) => Promise<unknown> | undefined;
      firstDay: string;
    },
  ) {}

  async inject(f: ScheduledFault, name: string): Promise<Injected> {
    const { supervisor } = this.o;
    const fault = f.fault;
    const lifted = (extra: Partial<Injected> = {}): Injected => ({ name, liftedAt: Date.now(), ...extra });
    switch (fault.kind) {
      case "kill":
        if (fault.process === "batch") return this.killBatch(name);
        // The two workers by turns, so a seed always kills the same ones.
        supervisor.signal(
          fault.process === "stream" ? `stream-${this.streamKills++ % 2 ? "b" : "a"}` : fault.process,
          "SIGKILL",
        );
        return lifted();
      case "server-stop":
        for (const s of fault.servers) await services("stop-one", s);
        await sleep(f.holdMs);
        await services("start");
        return lifted();
      case "zombie":
        supervisor.signal("stream-a", "SIGSTOP");
        await sleep(f.holdMs);
        supervisor.signal("stream-a", "SIGCONT");
        return lifted();
      case "lake-unwritable":
        await exec("chattr", ["-R", "+i", this.o.lakeDir]);
        await sleep(f.holdMs);
        await exec("chattr", ["-R", "-i", this.o.lakeDir]);
        return lifted();
    }
  }

  /**
   * The batch running now (else a new one of the first day), killed once it is publishing to
   * MongoDB; one that finishes first is replaced by a new run, killed in its turn.
   */
  private async killBatch(name: string): Promise<Injected> {
    const { supervisor } = this.o;
    for (;;) {
      const target = supervisor.alive("batch-")[0] ?? this.o.batch(this.o.firstDay).name;
      const deadline = Date.now() + 600_000;
      while (supervisor.alive(target).length === 0) {
        if (Date.now() > deadline) throw new Error(`${target} never started`);
        await sleep(500);
      }
      const hit = await supervisor.waitForOutput(target, /published \w+ \(/, 180_000);
      if (!supervisor.signal(target, "SIGKILL")) continue;
      return {
        name: `${name} (${hit ? "mid-publish" : "before publishing"})`,
        liftedAt: Date.now(),
        batchRun: this.o.batchRun(target)!,
      };
    }
  }

  /** No server stays stopped, no worker paused, no directory immutable. */
  async restore(log: (line: string) => void): Promise<void> {
    await exec("chattr", ["-R", "-i", this.o.lakeDir]).catch(() => {});
    for (const w of this.o.supervisor.alive("stream-")) this.o.supervisor.signal(w, "SIGCONT");
    await services("start").catch((err: Error) => log(`services start: ${err.message}`));
  }
}
