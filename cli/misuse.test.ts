/**
 * The ordinary mistakes, one row each: every one ends with one clear line on stderr that says
 * what to fix, exit code 1 or 2, and never a stack trace. The commands run as a user runs them
 * (bin/lakehouse.mjs in a child process); no server is needed: where a row needs a server's
 * address it is one nothing listens on, and the mistake is caught before any connection.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = new URL("..", import.meta.url).pathname;
const NOWHERE = { KAFKA_BROKERS: "127.0.0.1:1", DATABASE_URL: "postgres://u@127.0.0.1:1/x" };

interface Row {
  args: string[];
  env?: Record<string, string>;
  /** What its one `lakehouse: ...` line on stderr must say. */
  says: RegExp;
  exit?: 1 | 2;
}

function run(args: string[], env: Record<string, string>) {
  return new Promise<{ code: number | null; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, ["bin/lakehouse.mjs", ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH!, HOME: process.env.HOME!, LOG_LEVEL: "warn", ...env },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (b: Buffer) => (stderr += b.toString()));
    const started = Date.now();
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    child.once("exit", (code) => {
      clearTimeout(timer);
      if (process.env.MISUSE_TIMES) console.log(Date.now() - started, "ms", args.join(" "));
      resolve({ code, stderr });
    });
  });
}

describe("every command, misused", () => {
  let busy: Server;
  let port = 0;
  const dataDir = mkdtempSync(join(tmpdir(), "misuse-"));
  const someonesDir = mkdtempSync(join(tmpdir(), "misuse-notes-"));
  writeFileSync(join(someonesDir, "notes.txt"), "not the sink's");

  beforeAll(async () => {
    busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, "127.0.0.1", resolve));
    port = (busy.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((resolve) => busy.close(() => resolve())));

  const rows = (): Row[] => [
    { args: ["frobnicate"], says: /unknown command "frobnicate"/, exit: 2 },
    { args: ["stream", "run", "--no-such-flag"], says: /Unknown option '--no-such-flag'/ },
    { args: ["stream", "run"], says: /KAFKA_BROKERS is not set.*lakehouse demo/ },
    { args: ["sink", "run"], says: /KAFKA_BROKERS is not set/ },
    {
      args: ["sink", "run", "--work-dir", someonesDir],
      env: NOWHERE,
      says: /holds files the sink did not write \(notes.txt\)/,
    },
    { args: ["ingest", "replay", "--file", "x.ndjson"], says: /KAFKA_BROKERS is not set/ },
    { args: ["api"], says: /API_DATABASE_URL or DATABASE_URL must be set/ },
    {
      args: ["stream", "run", "--batch-size", "many"],
      env: NOWHERE,
      says: /--batch-size "many": expected an integer/,
    },
    {
      args: ["sink", "run", "--max-delay", "forever"],
      env: NOWHERE,
      says: /--max-delay "forever": expected a duration/,
    },
    // A port in use: a second worker on the same host, an API where something else listens.
    { args: ["stream", "run", "--metrics-port", String(port)], env: NOWHERE, says: /port \d+ is in use/ },
    { args: ["api", "--port", String(port)], env: NOWHERE, says: /port \d+ is in use/ },
    {
      args: ["api", "--port", "99999"],
      env: NOWHERE,
      says: /--port "99999": expected an integer from 0 to 65535/,
    },
    { args: ["topics", "create", "--partitions", "0"], env: NOWHERE, says: /--partitions "0"/ },
    { args: ["ingest", "generate", "--rate", "0"], says: /--rate "0"/ },
    {
      args: ["ingest", "generate", "--duration", "3650d", "--users", "1000", "--out", join(dataDir, "gen")],
      says: /users are too few for \d+ anomaly episodes/,
    },
    { args: ["ingest", "replay"], says: /give either --file events.ndjson or --olist DIR/ },
    {
      args: ["ingest", "replay", "--olist", "/nonexistent"],
      env: NOWHERE,
      says: /\/nonexistent\/.*no such file/,
    },
    { args: ["batch", "run"], says: /give --date YYYY-MM-DD/ },
    { args: ["batch", "run", "--date", "2026-13-01"], says: /give --date YYYY-MM-DD/ },
    { args: ["batch", "run", "--from", "2026-11-05", "--to", "2026-11-01"], says: /from <= to/ },
    {
      args: ["batch", "run", "--date", "2026-11-01", "--job", "nope"],
      says: /--job: unknown job "nope"; one of: silver_/,
    },
    // A date before anything in the lake: refused, instead of publishing empty gold.
    { args: ["batch", "run", "--date", "1999-01-01"], says: /no events on or before 1999-01-01/ },
    { args: ["batch", "schedule", "--job", "nope"], says: /--job: unknown job "nope"/ },
    { args: ["lake", "compact", "--date", "yesterday"], says: /--date "yesterday": expected YYYY-MM-DD/ },
    { args: ["sql", "-f", "/nonexistent.sql"], says: /\/nonexistent.sql: no such file or directory/ },
    { args: ["demo", "--days", "x"], says: /--days "x"/ },
    { args: ["config"], env: { API_PORT: "http" }, says: /API_PORT="http": expected/ },
    { args: ["status", "--timeout", "soon"], says: /--timeout "soon": expected a duration/ },
    { args: ["stream", "rebuild"], says: /give --from D/ },
    { args: ["stream", "rebuild", "--from", "tuesday"], says: /--from "tuesday": expected a date/ },
    {
      args: ["stream", "rebuild", "--from", "2026-11-01"],
      says: /KAFKA_BROKERS and DATABASE_URL must be set/,
    },
    {
      args: ["stream", "rebuild", "--from", "2026-11-01"],
      env: NOWHERE,
      says: /^lakehouse: kafka at 127\.0\.0\.1:1: /m,
    },
    { args: ["dlq", "list"], says: /KAFKA_BROKERS and DATABASE_URL are not set/ },
    { args: ["dlq", "list", "--source", "kafka"], says: /--source "kafka": expected topic or stream/ },
    { args: ["dlq", "list", "--from", "last week"], says: /--from "last week": expected a date/ },
    { args: ["dlq", "show"], says: /usage: lakehouse dlq show ID/ },
    { args: ["dlq", "replay"], env: NOWHERE, says: /say which letters: lakehouse dlq replay ID/ },
    {
      args: ["dlq", "replay", "t-0-1", "--all"],
      env: NOWHERE,
      says: /give ids or --all with filters, not both/,
    },
    {
      args: ["dlq", "replay", "t-0-1", "t-0-2", "--edit", "f.json"],
      env: NOWHERE,
      says: /--edit FILE corrects one letter/,
    },
    {
      args: ["dlq", "replay", "t-0-1"],
      env: NOWHERE,
      says: /postgres at postgres:\/\/u@127\.0\.0\.1:1\/x: /,
    },
  ];

  it("answers each with one clear line, exit 1 or 2, no stack trace", async () => {
    const table = rows();
    const results: { row: Row; code: number | null; stderr: string }[] = [];
    // Four at a time: each is a Node process loading the CLI.
    for (let i = 0; i < table.length; i += 4)
      results.push(
        ...(await Promise.all(
          table.slice(i, i + 4).map(async (row) => ({
            row,
            ...(await run(row.args, { DATA_DIR: dataDir, ...row.env })),
          })),
        )),
      );
    for (const { row, code, stderr } of results) {
      const what = `lakehouse ${row.args.join(" ")}:\n${stderr}`;
      const said = stderr.split("\n").filter((l) => l.startsWith("lakehouse: "));
      expect(code, what).toBe(row.exit ?? 1);
      expect(stderr, what).not.toMatch(/^\s+at |node:internal|Error: /m);
      expect(said, what).toHaveLength(1);
      // The line, and for a configuration error the list of problems under it.
      expect(stderr.slice(stderr.indexOf(said[0]!)), what).toMatch(row.says);
    }
  }, 180_000);
});
