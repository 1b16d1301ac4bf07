import { describe, expect, it } from "vitest";
import type { Status } from "./collect.ts";
import { bytes, renderStatus } from "./render.ts";

const status: Status = {
  checked_at: "2026-12-02T10:00:00.000Z",
  servers: [
    { name: "kafka", target: "127.0.0.1:9092", state: "up", detail: "5 of 5 topics", ms: 12 },
    {
      name: "postgres",
      target: "postgres://lakehouse:***@db/lakehouse",
      state: "down",
      detail: "ECONNREFUSED",
      ms: 3,
    },
  ],
  topics: [{ topic: "refunds", kafka_topic: "refunds", partitions: 2, end_offsets: [10, 12], records: 22 }],
  groups: [
    {
      group: "lake-sink",
      stage: "sink",
      offsets_in: "kafka",
      members: 1,
      lag: [{ topic: "refunds", partitions: 2, lag: 1500, uncommitted: 1, expired: 7 }],
      total_lag: 1500,
    },
  ],
  dead_letters: { dlq_topic_records: 3, stream: null, late: {} },
  batch_runs: [
    {
      _id: "r1",
      job: "all",
      snapshot_date: "2026-12-01",
      status: "failed",
      duration_ms: 2500,
      error: "boom",
    },
  ],
  lake: { uri: "s3://lakehouse/lake", layers: [{ layer: "bronze", files: 4, bytes: 3 * 1024 * 1024 }] },
  problems: ["postgres (postgres://lakehouse:***@db/lakehouse): ECONNREFUSED"],
};

describe("renderStatus", () => {
  it("shows every part, lag with its group, and what retention took in capitals", () => {
    const text = renderStatus(status);
    expect(text).toMatch(/^kafka\s+up\s+12\s+127\.0\.0\.1:9092\s+5 of 5 topics$/m);
    expect(text).toMatch(/^postgres\s+down\s+3\s+.*ECONNREFUSED$/m);
    expect(text).toContain("group lake-sink (sink, offsets in kafka): 1 members, lag 1,500");
    expect(text).toMatch(/^\s+refunds\s+1,500\s+1\/2\s+7 LOST TO RETENTION$/m);
    expect(text).toContain("dead letters: dlq.events topic 3; stream unknown");
    expect(text).toContain("late events: none");
    expect(text).toMatch(/^r1\s+all\s+2026-12-01\s+failed: boom\s+2\.5$/m);
    expect(text).toMatch(/^\s+bronze\s+4\s+3\.0 MiB$/m);
    expect(text.trimEnd().split("\n").at(-1)).toBe(
      "  - postgres (postgres://lakehouse:***@db/lakehouse): ECONNREFUSED",
    );
  });

  it("prints sizes in binary units", () => {
    expect([bytes(512), bytes(2048), bytes(5 * 1024 ** 3)]).toEqual(["512 B", "2.0 KiB", "5.0 GiB"]);
  });
});
