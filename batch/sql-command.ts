/**
 * `lakehouse sql` (SPEC section 7): DuckDB with views over the lake's bronze, silver and gold
 * tables. `-c "SQL"` or `-f file.sql` runs statements and prints each result; with neither, an
 * interactive prompt (statements end with `;`). `--export FILE.duckdb` writes a database with
 * the same views that the DuckDB CLI or DBeaver can open (it reads the lake files in place or
 * from the local cache, which must stay where it is).
 */
import { readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { createInterface } from "node:readline/promises";
import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";
import { parseFlags } from "../cli/args.ts";
import { config } from "../core/config.ts";
import { LakehouseError } from "../core/errors.ts";
import { reportLogger } from "../core/logger.ts";
import { openStore } from "../lake/store/open.ts";
import { createAnalystViews } from "./analyst-views.ts";
import { formatRows, type Format } from "./format-rows.ts";

const log = reportLogger("sql");

/** Splits a script into statements at semicolons outside quotes and comments. */
export function splitStatements(script: string): string[] {
  const out: string[] = [];
  let current = "";
  let quote: string | undefined;
  for (let i = 0; i < script.length; i++) {
    const ch = script[i]!;
    if (quote) {
      current += ch;
      if (ch === quote) quote = undefined;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      current += ch;
    } else if (ch === "-" && script[i + 1] === "-") {
      while (i < script.length && script[i] !== "\n") i++;
      current += "\n";
    } else if (ch === ";") {
      if (current.trim()) out.push(current.trim());
      current = "";
    } else current += ch;
  }
  if (current.trim()) out.push(current.trim());
  return out;
}

async function runStatement(conn: DuckDBConnection, sql: string, format: Format): Promise<string> {
  const reader = await conn.runAndReadAll(sql);
  const columns = reader.columnNames();
  if (columns.length === 0) return "OK";
  // DuckDB's JSON conversion gives 64-bit integers and decimals as text (they may not fit a
  // double); print them as numbers when they do.
  const numeric = reader
    .columnTypes()
    .map((t) => /^(U?(BIG|HUGE|SMALL|TINY)?INT|INTEGER|DECIMAL)/.test(String(t)));
  const rows = reader
    .getRowsJson()
    .map((row) =>
      row.map((v, i) =>
        numeric[i] && typeof v === "string" && Number.isSafeInteger(Math.trunc(Number(v))) ? Number(v) : v,
      ),
    );
  return formatRows(columns, rows, format);
}

export async function sqlCommand(args: string[]): Promise<number> {
  const flags = parseFlags(args, {
    command: { type: "string", short: "c" },
    file: { type: "string", short: "f" },
    format: { type: "string", default: "table" },
    export: { type: "string" },
  });
  const format = flags.format as Format;
  if (!["table", "csv", "json"].includes(format))
    throw new LakehouseError("CONFIG_INVALID", `--format ${flags.format}: expected table, csv or json`);
  const cfg = config();
  const store = openStore(log);
  const target = flags.export ?? ":memory:";
  if (flags.export) await rm(flags.export, { force: true });
  const db = await DuckDBInstance.create(target);
  const conn = await db.connect();
  try {
    await conn.run("SET TimeZone = 'UTC'");
    const views = await createAnalystViews(conn, store, join(cfg.dataDir, "sql", "lake-cache"));
    const summary = Object.entries(views)
      .map(([layer, names]) => `${layer}: ${names.join(", ") || "(none)"}`)
      .join("; ");
    if (flags.export) {
      process.stderr.write(`wrote ${flags.export} with views ${summary}\n`);
      return 0;
    }
    const script =
      flags.command ?? (flags.file !== undefined ? await readFile(flags.file, "utf8") : undefined);
    if (script !== undefined) {
      for (const statement of splitStatements(script))
        process.stdout.write(`${await runStatement(conn, statement, format)}\n`);
      return 0;
    }
    process.stderr.write(`lakehouse sql: views ${summary}\nend statements with ; (Ctrl-D to quit)\n`);
    const rl = createInterface({ input: process.stdin, output: process.stderr, prompt: "lakehouse> " });
    let pending = "";
    rl.prompt();
    for await (const line of rl) {
      pending += `${line}\n`;
      const statements = splitStatements(pending);
      if (pending.trimEnd().endsWith(";")) {
        pending = "";
        for (const statement of statements) {
          try {
            process.stdout.write(`${await runStatement(conn, statement, format)}\n`);
          } catch (err) {
            process.stderr.write(`error: ${(err as Error).message}\n`);
          }
        }
      }
      rl.setPrompt(pending ? "      ...> " : "lakehouse> ");
      rl.prompt();
    }
    return 0;
  } finally {
    conn.closeSync();
    db.closeSync();
    await store.close();
  }
}
