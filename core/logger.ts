/**
 * The shared pino logger. Services take a child per component (`logger.child({ component })`)
 * so every line says where it came from. Secrets are redacted by key wherever they appear.
 */
import { pino, type Logger } from "pino";

export type { Logger } from "pino";

const SECRET_KEYS = [
  "password",
  "secret",
  "secretAccessKey",
  "apiKey",
  "apiKeys",
  "authorization",
  "token",
  "databaseUrl",
  "mongoUrl",
];

const REDACT_PATHS = SECRET_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`, `req.headers.${k}`]);

export function createLogger(options: { level?: string; destination?: pino.DestinationStream } = {}): Logger {
  return pino(
    {
      level: options.level ?? process.env.LOG_LEVEL ?? "info",
      base: { pid: process.pid },
      redact: { paths: REDACT_PATHS, censor: "***" },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    options.destination,
  );
}

/** The process-wide root logger; take a child per component. */
export const logger: Logger = createLogger();

export function componentLogger(component: string): Logger {
  return logger.child({ component });
}

/**
 * For commands whose output is their result (`status --json`, `dlq list`, `sql`): log lines go
 * to stderr, so what they print on stdout stays parseable, and only warnings unless LOG_LEVEL
 * asks for more (a user's mistake is one line, not that line after the migrations applied).
 */
export function reportLogger(component: string): Logger {
  return createLogger({ level: process.env.LOG_LEVEL ?? "warn", destination: pino.destination(2) }).child({
    component,
  });
}
