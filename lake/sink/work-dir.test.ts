import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { claimWorkDir } from "./work-dir.ts";

const scratch = () => mkdtempSync(join(tmpdir(), "work-dir-test-"));

describe("the sink's work directory", () => {
  it("makes a new directory, takes an empty one, and empties its own on the next start", async () => {
    const dir = join(scratch(), "work");
    await claimWorkDir(dir);
    mkdirSync(join(dir, "transactions-1"));
    writeFileSync(join(dir, "transactions-1", "batch.ndjson"), "{}\n");
    await claimWorkDir(dir);
    expect(readdirSync(dir)).toEqual([".lakehouse-sink-work"]);
    const empty = scratch();
    await claimWorkDir(empty);
    expect(readdirSync(empty)).toEqual([".lakehouse-sink-work"]);
  });

  it("refuses a directory holding anything it did not write, and deletes nothing", async () => {
    const home = scratch();
    writeFileSync(join(home, "thesis.tex"), "years of work");
    await expect(claimWorkDir(home)).rejects.toMatchObject({
      code: "CONFIG_INVALID",
      message: expect.stringContaining("holds files the sink did not write (thesis.tex)"),
    });
    expect(existsSync(join(home, "thesis.tex"))).toBe(true);
    await expect(claimWorkDir(join(home, "thesis.tex"))).rejects.toMatchObject({ code: "CONFIG_INVALID" });
  });
});
