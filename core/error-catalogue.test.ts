/**
 * The error catalogue (./errors.ts) stays honest: every code has a status and a title a client
 * reads, and is raised somewhere outside the tests, and nothing raises a code it does not list.
 * A code nobody raises is a dead end a reader would look for in vain.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { ERROR_CODES } from "./errors.ts";

const ROOT = join(import.meta.dirname, "..");
const SKIP = new Set(["node_modules", ".git", "data", "dist", "coverage"]);

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    if (SKIP.has(e.name) || e.name.startsWith(".")) return [];
    const path = join(dir, e.name);
    if (e.isDirectory()) return sources(path);
    return e.name.endsWith(".ts") && !e.name.endsWith(".test.ts") ? [path] : [];
  });
}

/** Where each code is raised: `new LakehouseError("CODE", ...)`, a subclass's `super("CODE", ...)` or the API's `problem("CODE", ...)`. */
function raisedCodes(): Map<string, string[]> {
  const raised = new Map<string, string[]>();
  const site = /\b(?:LakehouseError|problem|super)\(\s*"([A-Z_]+)"/g;
  for (const file of sources(ROOT)) {
    for (const m of readFileSync(file, "utf8").matchAll(site)) {
      const at = raised.get(m[1]!) ?? [];
      at.push(relative(ROOT, file));
      raised.set(m[1]!, at);
    }
  }
  return raised;
}

describe("the error catalogue", () => {
  const raised = raisedCodes();

  it("gives every code an HTTP status and a title", () => {
    for (const [code, { status, title }] of Object.entries(ERROR_CODES)) {
      expect(status, code).toBeGreaterThanOrEqual(400);
      expect(status, code).toBeLessThan(600);
      expect(title.length, code).toBeGreaterThan(10);
    }
  });

  it("has each code raised by at least one module", () => {
    const never = Object.keys(ERROR_CODES).filter((code) => !raised.has(code));
    expect(never, "codes no module raises: remove them or raise them").toEqual([]);
  });

  it("lists every code a module raises", () => {
    const unknown = [...raised.keys()].filter((code) => !(code in ERROR_CODES));
    expect(unknown).toEqual([]);
  });
});
