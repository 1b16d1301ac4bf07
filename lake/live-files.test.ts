import { describe, expect, it } from "vitest";
import { liveKeys } from "./live-files.ts";

describe("liveKeys", () => {
  const dir = "bronze/refunds/dt=2026-11-21/hr=10/";
  const a = `${dir}refunds+0+1-5.parquet`;
  const b = `${dir}refunds+1+2-9.parquet`;
  const late = `${dir}refunds+0+40-40.parquet`;
  const c1 = `${dir}refunds+compacted+000001.parquet`;
  const c2 = `${dir}refunds+compacted+000002.parquet`;

  it("reads each row once at every step of a compaction", () => {
    // before: sources only
    expect(liveKeys([a, b], new Map())).toEqual([a, b]);
    // merged file uploaded, sources not yet deleted
    const replaces = new Map([[c1, ["refunds+0+1-5.parquet", "refunds+1+2-9.parquet"]]]);
    expect(liveKeys([c1, a, b], replaces)).toEqual([c1]);
    // after
    expect(liveKeys([c1], replaces)).toEqual([c1]);
  });

  it("keeps late files that arrived after a compaction, until the next one replaces them too", () => {
    const first = new Map([[c1, ["refunds+0+1-5.parquet", "refunds+1+2-9.parquet"]]]);
    expect(liveKeys([c1, late], first)).toEqual([c1, late]);
    const second = new Map([
      [c1, ["refunds+0+1-5.parquet", "refunds+1+2-9.parquet"]],
      [c2, ["refunds+compacted+000001.parquet", "refunds+0+40-40.parquet"]],
    ]);
    expect(liveKeys([c1, c2, late], second)).toEqual([c2]);
  });
});
