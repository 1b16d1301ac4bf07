import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FileStore } from "./file-store.ts";

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "file-store-"));
});
afterEach(() => rm(root, { recursive: true, force: true }));

describe("FileStore", () => {
  it("puts, gets, lists by prefix in key order and deletes, leaving no temporary files", async () => {
    const store = new FileStore(root);
    await store.putBytes("bronze/b/dt=2026-11-21/hr=10/x+0+1-2.parquet", "two");
    await store.putBytes("bronze/a/dt=2026-11-21/hr=09/x+0+0-0.parquet", "one");
    await store.putBytes("_sink/g/x+0.json", "{}");
    expect((await store.list("bronze/")).map((o) => o.key)).toEqual([
      "bronze/a/dt=2026-11-21/hr=09/x+0+0-0.parquet",
      "bronze/b/dt=2026-11-21/hr=10/x+0+1-2.parquet",
    ]);
    expect((await store.list("bronze/b/dt=2026-11-21/")).map((o) => o.size)).toEqual([3]);
    expect((await store.getBytes("bronze/b/dt=2026-11-21/hr=10/x+0+1-2.parquet"))?.toString()).toBe("two");
    expect(await store.getBytes("missing")).toBeUndefined();
    await store.delete(["bronze/a/dt=2026-11-21/hr=09/x+0+0-0.parquet", "never/there"]);
    expect((await store.list("")).map((o) => o.key)).toEqual([
      "_sink/g/x+0.json",
      "bronze/b/dt=2026-11-21/hr=10/x+0+1-2.parquet",
    ]);
    const names = await readdir(join(root, "bronze/b/dt=2026-11-21/hr=10"));
    expect(names).toEqual(["x+0+1-2.parquet"]);
  });

  it("refuses keys that would escape the lake directory", async () => {
    const store = new FileStore(root);
    await expect(store.putBytes("bronze/../../etc/x", "no")).rejects.toThrow(/must not contain/);
  });
});
