#!/usr/bin/env node
// Runs a TypeScript entry point with tsx's loader: `run-ts.mjs file.ts [args...]`.
// The project ships as TypeScript source, so there is no build step between edit and run.
import { register } from "tsx/esm/api";
import { pathToFileURL } from "node:url";
import { resolve } from "node:path";

const [file, ...rest] = process.argv.slice(2);
if (!file) {
  console.error("usage: run-ts.mjs <file.ts> [args...]");
  process.exit(2);
}
register();
process.argv = [process.argv[0], resolve(file), ...rest];
await import(pathToFileURL(resolve(file)).href);
