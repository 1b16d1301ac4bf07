/**
 * Runs the project's processes as a supervisor would (compose's `restart: always`): each
 * `lakehouse ...` command in its own child, output appended to a log file, restarted a second
 * after it exits for any reason. The chaos run kills, pauses and resumes them through here.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, type WriteStream } from "node:fs";
import { join } from "node:path";

const ROOT = new URL("../..", import.meta.url).pathname;
const RESTART_DELAY_MS = 1000;

export interface ServiceSpec {
  name: string;
  args: string[];
  env: Record<string, string>;
}

interface Running {
  spec: ServiceSpec;
  child?: ChildProcess;
  log: WriteStream;
  starts: number;
  /** Called with each chunk of output: the run watches for lines such as "publishing". */
  watchers: Set<(text: string) => void>;
}

export class Supervisor {
  private readonly services = new Map<string, Running>();
  private stopping = false;
  /** Every exit, for the report: which process, when, and how it ended. */
  readonly exits: { name: string; at: number; code: number | null; signal: string | null }[] = [];

  constructor(private readonly logDir: string) {}

  /** Starts a long-running service, restarted whenever it exits until `stopAll`. */
  start(spec: ServiceSpec): void {
    this.launch(this.register(spec), true);
  }

  private register(spec: ServiceSpec): Running {
    const running: Running = {
      spec,
      log: createWriteStream(join(this.logDir, `${spec.name}.log`), { flags: "a" }),
      starts: 0,
      watchers: new Set(),
    };
    this.services.set(spec.name, running);
    return running;
  }

  /** Runs a one-shot command until it exits 0, restarting it after a kill or a failure. */
  async runToSuccess(spec: ServiceSpec, maxAttempts = 30): Promise<number> {
    const running = this.register(spec);
    try {
      for (let attempt = 1; attempt <= maxAttempts; attempt++) {
        const code = await new Promise<number | null>((resolve) => {
          this.launch(running, false).once("exit", (c) => resolve(c));
        });
        if (code === 0) return attempt;
        if (this.stopping) break;
        await new Promise((r) => setTimeout(r, 5000));
      }
      throw new Error(`${spec.name} did not succeed in ${maxAttempts} attempts (see ${spec.name}.log)`);
    } finally {
      running.child = undefined;
      this.services.delete(spec.name);
      running.log.end();
    }
  }

  private launch(running: Running, restart: boolean): ChildProcess {
    running.starts++;
    const child = spawn(process.execPath, [join(ROOT, "bin/lakehouse.mjs"), ...running.spec.args], {
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...running.spec.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    running.child = child;
    const take = (chunk: Buffer) => {
      running.log.write(chunk);
      if (running.watchers.size > 0) for (const w of running.watchers) w(chunk.toString());
    };
    child.stdout.on("data", take);
    child.stderr.on("data", take);
    child.once("exit", (code, signal) => {
      this.exits.push({ name: running.spec.name, at: Date.now(), code, signal });
      running.log.write(`\n--- exited: code ${code} signal ${signal}\n`);
      if (running.child === child) running.child = undefined;
      if (restart && !this.stopping && this.services.get(running.spec.name) === running)
        setTimeout(() => {
          if (!this.stopping) this.launch(running, true);
        }, RESTART_DELAY_MS);
    });
    return child;
  }

  /** The names of the services whose name starts with `prefix` that have a live child now. */
  alive(prefix: string): string[] {
    return [...this.services.values()]
      .filter((r) => r.spec.name.startsWith(prefix) && r.child && r.child.exitCode === null)
      .map((r) => r.spec.name);
  }

  signal(name: string, signal: NodeJS.Signals): boolean {
    const child = this.services.get(name)?.child;
    return child ? child.kill(signal) : false;
  }

  /** Resolves with the first output of `name` matching `pattern`, or undefined after `timeoutMs`. */
  waitForOutput(name: string, pattern: RegExp, timeoutMs: number): Promise<string | undefined> {
    const running = this.services.get(name);
    if (!running) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const done = (value: string | undefined) => {
        clearTimeout(timer);
        running.watchers.delete(watch);
        resolve(value);
      };
      const watch = (text: string) => {
        const m = pattern.exec(text);
        if (m) done(m[0]);
      };
      const timer = setTimeout(() => done(undefined), timeoutMs);
      running.watchers.add(watch);
    });
  }

  starts(name: string): number {
    return this.services.get(name)?.starts ?? 0;
  }

  /** SIGTERM to every child, waiting up to 30 s for each to leave. */
  async stopAll(): Promise<void> {
    this.stopping = true;
    await Promise.all(
      [...this.services.values()].map(async (r) => {
        const child = r.child;
        if (child && child.exitCode === null && child.signalCode === null) {
          child.kill("SIGCONT");
          const gone = new Promise((resolve) => child.once("exit", resolve));
          child.kill("SIGTERM");
          const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
          await gone;
          clearTimeout(timer);
        }
        r.log.end();
      }),
    );
  }
}
