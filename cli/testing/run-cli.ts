/** Runs `lakehouse ...` as a user does (bin/lakehouse.mjs in a child process) for tests. */
import { spawn } from "node:child_process";

const ROOT = new URL("../..", import.meta.url).pathname;

export interface CliResult {
  code: number | null;
  out: string;
  err: string;
}

/** Only PATH and HOME are inherited: the rest of the environment is what the test gives. */
export function runCli(args: string[], env: Record<string, string>): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["bin/lakehouse.mjs", ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", LOG_LEVEL: "warn", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString()));
    child.stderr.on("data", (c: Buffer) => (err += c.toString()));
    child.on("exit", (code) => resolve({ code, out, err }));
  });
}
