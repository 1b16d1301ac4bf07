/**
 * Postgres migrations: numbered .sql files, applied in order, once. An advisory lock makes
 * concurrent starts (several workers) wait for each other instead of racing; a checksum per applied file refuses to run against a database whose
 * history was edited after the fact.
 */
import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Sql } from "./sql.ts";
import { LakehouseError } from "../errors.ts";
import type { Logger } from "../logger.ts";

export const MIGRATIONS_DIR = fileURLToPath(new URL("./migrations", import.meta.url));
const LOCK_ID = 7_411_905; // any constant shared by every process of this project

export interface Migration {
  version: number;
  name: string;
  sql: string;
  checksum: string;
}

export async function readMigrations(dir = MIGRATIONS_DIR): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => /^\d{3}_[\w-]+\.sql$/.test(f)).sort();
  return Promise.all(
    files.map(async (name) => {
      const sql = await readFile(join(dir, name), "utf8");
      return {
        version: Number(name.slice(0, 3)),
        name,
        sql,
        checksum: createHash("sha256").update(sql).digest("hex"),
      };
    }),
  );
}

/**
 * Applies what is missing, all in one transaction; returns the names applied now. Idempotent.
 * The transaction-scoped advisory lock makes a second process wait, then find nothing to do.
 */
export async function migrate(sql: Sql, logger: Logger, dir = MIGRATIONS_DIR): Promise<string[]> {
  const migrations = await readMigrations(dir);
  const done = await sql.transaction(async (tx) => {
    await tx.query("SELECT pg_advisory_xact_lock($1)", [LOCK_ID]);
    await tx.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY, name text NOT NULL, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const { rows } = await tx.query<{ version: number; name: string; checksum: string }>(
      "SELECT version, name, checksum FROM schema_migrations",
    );
    const applied = new Map(rows.map((r) => [r.version, r]));
    const names: string[] = [];
    for (const m of migrations) {
      const previous = applied.get(m.version);
      if (previous) {
        if (previous.checksum !== m.checksum) {
          throw new LakehouseError(
            "CONFLICT",
            `migration ${m.name} changed after it was applied (as ${previous.name}); add a new migration instead`,
          );
        }
        continue;
      }
      try {
        await tx.exec(m.sql);
      } catch (err) {
        throw new LakehouseError("INTERNAL", `migration ${m.name} failed: ${(err as Error).message}`, {
          cause: err,
        });
      }
      await tx.query("INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)", [
        m.version,
        m.name,
        m.checksum,
      ]);
      names.push(m.name);
    }
    return names;
  });
  for (const name of done) logger.info({ migration: name }, `applied migration ${name}`);
  return done;
}
