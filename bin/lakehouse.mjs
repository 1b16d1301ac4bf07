#!/usr/bin/env node
// The `lakehouse` command. Loads the TypeScript CLI through tsx (see run-ts.mjs).
import { register } from "tsx/esm/api";

register();
const { main } = await import("../cli/main.ts");
process.exitCode = await main(process.argv.slice(2));
