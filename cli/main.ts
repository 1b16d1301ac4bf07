/**
 * The `lakehouse` command (SPEC section 7). Each stage registers its commands in `commands`;
 * a command's module is imported only when it runs, so `lakehouse config` does not load Kafka,
 * DuckDB and the AWS SDK.
 */
import { describeConfig, loadConfig } from "../core/config.ts";
import { LakehouseError } from "../core/errors.ts";

export interface Command {
  summary: string;
  run(args: string[]): Promise<number>;
}

export const commands: Record<string, Command> = {
  "topics create": {
    summary:
      "create the SPEC topics (--partitions 6 --retention-days 7 --max-message-bytes N [--topic-prefix P]), idempotently",
    run: async (args) => (await import("../ingest/commands.ts")).topicsCreate(args),
  },
  "ingest generate": {
    summary:
      "simulate GlobalMart shoppers: real time [--rate 500] [--duration 10m], or [--backfill-days N] [--until D] [--per-day 100000]; " +
      "[--seed 42] [--users N] [--products N] [--anomaly-rate 0.005] [--out DIR | --labels FILE] [--codec lz4] [--topic-prefix P] " +
      "[--no-reference] (with DATABASE_URL set, users/products/inventory_status are loaded first) [--metrics-port N --metrics-host H]",
    run: async (args) => (await import("../ingest/commands.ts")).ingestGenerate(args),
  },
  "ingest collect": {
    summary:
      "HTTP collector: POST /v1/events (JSON array or NDJSON) -> Kafka; [--port 8081] [--max-body-mb 5] [--topic-prefix P]",
    run: async (args) => (await import("../ingest/commands.ts")).ingestCollect(args),
  },
  "ingest replay": {
    summary:
      "produce a recorded file to Kafka: --file events.ndjson | --olist DIR [--country USA]; [--speed 0] (0 = as fast as possible) " +
      "[--topic-prefix P]",
    run: async (args) => (await import("../ingest/commands.ts")).ingestReplay(args),
  },
  "stream run": {
    summary:
      "stream worker: event-time operators over the event topics into Postgres, exactly once; [--group stream-processor] " +
      "[--lateness 2m] [--idle 30s] [--batch-size 20000] [--instance-id ID] [--metrics-port 9464] [--max-restarts 5] " +
      "[--products-refresh 10m] [--topic-prefix P]",
    run: async (args) => (await import("../stream/commands.ts")).streamRun(args),
  },
  "stream rebuild": {
    summary:
      "recompute the real-time tables from a point in time (the hour holding it): refused while workers of the group " +
      "run; the workers then replay the topics and rewrite the rows from then on; --from D [--group stream-processor] " +
      "[--topic-prefix P] [--allow-partial] (the topics lost old records to retention) [--json]",
    run: async (args) => (await import("../stream/rebuild/command.ts")).streamRebuild(args),
  },
  "batch run": {
    summary:
      "nightly models: bronze -> silver -> gold (RFM, daily sales, funnel) with data tests, as Parquet in the lake; " +
      "--date D | --from D1 --to D2 [--job NAME] [--products FILE]",
    run: async (args) => (await import("../batch/commands.ts")).batchRun(args),
  },
  "batch schedule": {
    summary:
      "nightly batch on BATCH_CRON in TZ_BATCH (the day that just ended), with a lock and retries; [--job NAME] " +
      "[--metrics-port 9467] [--metrics-host 127.0.0.1]",
    run: async (args) => (await import("../batch/commands.ts")).batchSchedule(args),
  },
  sql: {
    summary:
      "DuckDB over the lake: views bronze.*, silver.*, gold.* (latest snapshot); " +
      '[-c "SELECT ..." | -f file.sql] [--format table|csv|json] [--export FILE.duckdb]; a prompt without -c/-f',
    run: async (args) => (await import("../batch/sql-command.ts")).sqlCommand(args),
  },
  "sink run": {
    summary:
      "lake sink: every event and DLQ record into bronze Parquet under LAKE_URI, exactly once; [--group lake-sink] " +
      "[--max-delay 60s] [--max-rows 1000000] [--max-mb 256] [--work-dir DIR] [--topic-prefix P] [--instance-id ID] " +
      "[--metrics-port 9465] [--metrics-host 127.0.0.1] [--max-restarts 5]",
    run: async (args) => (await import("../lake/commands.ts")).sinkRun(args),
  },
  "lake compact": {
    summary:
      "merge the small bronze files of each closed hour into one per hour and table, atomically for readers; [--date D] [--grace 2h]",
    run: async (args) => (await import("../lake/commands.ts")).lakeCompact(args),
  },
  api: {
    summary:
      "REST API over the real-time tables and the warehouse, with the overview page (/), OpenAPI (/openapi.json) " +
      "and docs (/docs); [--port 8080] [--host 0.0.0.0]",
    run: async (args) => (await import("../api/commands.ts")).apiCommand(args),
  },
  demo: {
    summary:
      "the whole pipeline embedded (npm start): backfill, real time, stream, lake, batch, API and overview page; " +
      "[--days 3] [--rate 50] [--users 20000] [--products 2000] [--per-day 5000] [--seed 42] [--port 8080] " +
      "[--collector-port N] [--reset]",
    run: async (args) => (await import("./demo/command.ts")).demoCommand(args),
  },
  status: {
    summary:
      "servers, topics and end offsets, lag of the stream and sink groups, dead letters, late events, last batch " +
      "runs, lake files per layer; exit 1 if any part could not be read; [--json] [--topic-prefix P] " +
      "[--stream-group stream-processor] [--sink-group lake-sink] [--timeout 5s]",
    run: async (args) => (await import("../ops/commands.ts")).statusCommand(args),
  },
  "dlq list": {
    summary:
      "dead letters from dlq.events and the stream's stream_dead_letters, oldest first; [--source topic|stream] " +
      "[--topic T] [--reason TEXT] [--from D] [--to D] [--limit 50] [--json] [--topic-prefix P]",
    run: async (args) => (await import("../ops/commands.ts")).dlqList(args),
  },
  "dlq show": {
    summary: "one dead letter as JSON, its payload decoded, and whether it was replayed; ID (from dlq list)",
    run: async (args) => (await import("../ops/commands.ts")).dlqShow(args),
  },
  "dlq replay": {
    summary:
      "send dead letters back to their topic through the edge validation, each once; ID [ID ...] | --all [filters]; " +
      "[--edit FILE] (the corrected event, one id) [--dry-run] [--force] (a replay that was never confirmed) [--json]",
    run: async (args) => (await import("../ops/commands.ts")).dlqReplay(args),
  },
  config: {
    summary: "validate the environment (SPEC section 2) and print the resulting configuration",
    async run() {
      console.log(JSON.stringify(describeConfig(loadConfig()), null, 2));
      return 0;
    },
  },
};

export function usage(): string {
  const width = Math.max(...Object.keys(commands).map((k) => k.length));
  const lines = Object.entries(commands).map(
    ([name, c]) => `  lakehouse ${name.padEnd(width)}  ${c.summary}`,
  );
  return ["usage:", ...lines].join("\n");
}

const FILE_ERRORS: Record<string, string> = {
  ENOENT: "no such file or directory",
  EACCES: "permission denied",
  EISDIR: "is a directory, not a file",
  ENOTDIR: "a part of the path is not a directory",
};

function fileProblem(err: unknown): string | undefined {
  const { code, path } = (err ?? {}) as { code?: unknown; path?: unknown };
  if (typeof code !== "string" || typeof path !== "string" || !(code in FILE_ERRORS)) return undefined;
  return `${path}: ${FILE_ERRORS[code]}`;
}

/** Finds the longest registered command that prefixes argv ("topics create" before "topics"). */
function resolve(argv: string[]): { command: Command; args: string[] } | undefined {
  for (let n = Math.min(argv.length, 3); n > 0; n--) {
    const command = commands[argv.slice(0, n).join(" ")];
    if (command) return { command, args: argv.slice(n) };
  }
  return undefined;
}

export async function main(argv: string[]): Promise<number> {
  if (argv.length === 0 || argv[0] === "help" || argv[0] === "--help" || argv[0] === "-h") {
    console.log(usage());
    return argv.length === 0 ? 2 : 0;
  }
  const found = resolve(argv);
  if (!found) {
    console.error(`lakehouse: unknown command "${argv.join(" ")}"\n${usage()}`);
    return 2;
  }
  if (found.args.includes("--help") || found.args.includes("-h")) {
    const name = Object.keys(commands).find((k) => commands[k] === found.command)!;
    console.log(`usage: lakehouse ${name}\n  ${found.command.summary}`);
    return 0;
  }
  try {
    return await found.command.run(found.args);
  } catch (err) {
    // Ours, so it says what happened: a mistake, or a server that did not answer a one-shot
    // command (the long-running ones wait and retry before it comes to this).
    if (err instanceof LakehouseError) {
      console.error(`lakehouse: ${err.message}`);
      return 1;
    }
    // A path the user gave that cannot be read or written: their mistake, not a crash.
    const file = fileProblem(err);
    if (file) {
      console.error(`lakehouse: ${file}`);
      return 1;
    }
    throw err;
  }
}
