import { appendFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { fileRunHistory } from "./runs-file.ts";

describe("the run history file", () => {
  it("folds start and end lines, lists newest first with filters and keyset, skips a torn line", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "runs-")), "batch_runs.ndjson");
    const h = fileRunHistory(path);
    await h.start({ id: "a", job: "all", date: "2026-11-01" });
    await new Promise((r) => setTimeout(r, 5));
    await h.start({ id: "b", job: "rfm_customers", date: "2026-11-02" });
    await h.end("a", {
      status: "succeeded",
      startedAt: Date.now() - 10,
      models: [{ model: "m", rows: 3, ms: 1, tests: [] }],
    });
    appendFileSync(path, '{"end":"b","fie'); // a crash mid-append
    const all = await h.list({ limit: 10 });
    expect(all.map((r) => [r._id, r.status])).toEqual([
      ["b", "running"],
      ["a", "succeeded"],
    ]);
    expect(all[1]!.row_counts).toEqual({ m: 3 });
    expect((await h.list({ limit: 10, status: "succeeded" })).map((r) => r._id)).toEqual(["a"]);
    expect(
      (await h.list({ limit: 10, after: { started_at: all[0]!.started_at, id: "b" } })).map((r) => r._id),
    ).toEqual(["a"]);
    expect(await h.succeededSince("2026-11-01", "all", new Date(0))).toMatchObject({ _id: "a" });
    expect(await h.succeededSince("2026-11-02", "rfm_customers", new Date(0))).toBeUndefined();
  });
});
