/**
 * Materialises models in DuckDB and runs each one's data tests right after it. A failing test
 * stops the run with DATA_TEST_FAILED naming the test and a few offending rows; nothing is
 * published after that (the caller publishes only a complete run).
 */
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { DuckDBConnection } from "@duckdb/node-api";
import { LakehouseError } from "../core/errors.ts";
import type { Logger } from "../core/logger.ts";
import { genericTestSql, type Model } from "./models.ts";

const MODELS_DIR = fileURLToPath(new URL("./models/", import.meta.url));
const TESTS = readdirSync(`${MODELS_DIR}tests`).filter((f) => f.endsWith(".sql"));

export interface TestResult {
  name: string;
  failures: number;
}

export interface ModelResult {
  model: string;
  layer: string;
  rows: number;
  /** Building the model, then running its data tests. */
  ms: number;
  testMs: number;
  tests: TestResult[];
}

/** The model's generic tests (its .yml), then its singular ones (models/tests/). */
function testsOf(model: Model): { name: string; sql: string }[] {
  return [
    ...model.tests.map((t) => genericTestSql(model.name, t)),
    ...TESTS.filter((f) => f.startsWith(`${model.name}__`)).map((f) => ({
      name: f.slice(0, -4),
      sql: readFileSync(`${MODELS_DIR}tests/${f}`, "utf8"),
    })),
  ];
}

export async function runModels(
  conn: DuckDBConnection,
  models: readonly Model[],
  logger: Logger,
): Promise<ModelResult[]> {
  const results: ModelResult[] = [];
  for (const model of models) {
    const started = performance.now();
    await conn.run(`CREATE OR REPLACE TABLE ${model.name} AS\n${model.sql}`);
    const count = await conn.runAndReadAll(`SELECT count(*) FROM ${model.name}`);
    const rows = Number(count.getRowsJS()[0]![0]);
    const built = performance.now();
    const tests: TestResult[] = [];
    const failed: { name: string; sample: unknown[] }[] = [];
    if (model.columns) {
      // The declaration documents the table: a column added, renamed or dropped must show here.
      const described = await conn.runAndReadAll(`SELECT column_name FROM (DESCRIBE ${model.name})`);
      const actual = described.getRowsJS().map((r) => r[0] as string);
      const declared = Object.keys(model.columns);
      const drift = [
        ...actual
          .filter((c) => !declared.includes(c))
          .map((c) => ({ column: c, problem: "built, not declared" })),
        ...declared
          .filter((c) => !actual.includes(c))
          .map((c) => ({ column: c, problem: "declared, not built" })),
      ];
      tests.push({ name: `${model.name}__columns_declared`, failures: drift.length });
      if (drift.length > 0) failed.push({ name: `${model.name}__columns_declared`, sample: drift });
    }
    for (const test of testsOf(model)) {
      const reader = await conn.runAndReadAll(test.sql);
      const bad = reader.getRowObjectsJson();
      tests.push({ name: test.name, failures: bad.length });
      if (bad.length > 0) failed.push({ name: test.name, sample: bad.slice(0, 3) });
    }
    const ms = Math.round(built - started);
    const testMs = Math.round(performance.now() - built);
    results.push({ model: model.name, layer: model.layer, rows, ms, testMs, tests });
    logger.info(
      { model: model.name, rows, ms, testMs, tests: tests.length, failed: failed.length },
      `${model.name}: ${rows} rows in ${ms} ms, ${tests.length - failed.length}/${tests.length} tests passed in ${testMs} ms`,
    );
    if (failed.length > 0)
      throw new LakehouseError(
        "DATA_TEST_FAILED",
        `${model.name}: data test${failed.length > 1 ? "s" : ""} failed: ${failed
          .map((f) => `${f.name} (e.g. ${JSON.stringify(f.sample[0])})`)
          .join("; ")}`,
        { context: { model: model.name, failed, results } },
      );
  }
  return results;
}
