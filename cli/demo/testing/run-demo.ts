/**
 * `npm start` as a child process for tests: the command `npm start` runs, without npm in
 * between (so a signal reaches the demo itself), on its own DATA_DIR and a free port, with no
 * server variables set.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { join } from "node:path";

const ROOT = new URL("../../..", import.meta.url).pathname;
export const DEMO_KEY = "demo-test-key";

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export interface Running {
  child: ChildProcess;
  port: number;
  exited: Promise<number | null>;
  output: () => string;
}

export async function startDemo(dataDir: string, flags: readonly string[]): Promise<Running> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATA_DIR: dataDir,
    API_KEYS: `test:${DEMO_KEY}`,
    LOG_LEVEL: "warn",
  };
  for (const name of ["KAFKA_BROKERS", "DATABASE_URL", "MONGO_URL", "LAKE_URI", "API_PORT"]) delete env[name];
  const child = spawn(
    process.execPath,
    [join(ROOT, "bin/lakehouse.mjs"), "demo", ...flags, "--port", String(port)],
    {
      env,
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let output = "";
  child.stdout.on("data", (c: Buffer) => (output += c.toString()));
  child.stderr.on("data", (c: Buffer) => (output += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, port, exited, output: () => output };
}

export async function stopDemo(r: Running, signal: NodeJS.Signals): Promise<number | null> {
  r.child.kill(signal);
  return r.exited;
}

export async function until(
  what: string,
  check: () => Promise<boolean> | boolean,
  ms = 180_000,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (
    !(await Promise.resolve()
      .then(check)
      .catch(() => false))
  ) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
