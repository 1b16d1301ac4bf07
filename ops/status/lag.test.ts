import { describe, expect, it } from "vitest";
import { lagByTopic } from "./lag.ts";

const topics = ["transactions", "refunds"];

describe("lagByTopic", () => {
  it("sums end minus next offset over partitions, by SPEC name", () => {
    const ranges = new Map([
      [
        "transactions",
        [
          { partition: 0, low: 0, high: 100 },
          { partition: 1, low: 0, high: 50 },
        ],
      ],
    ]);
    const committed = [
      { topic: "transactions", partition: 0, offset: 90 },
      { topic: "transactions", partition: 1, offset: 50 },
    ];
    expect(lagByTopic(topics, ranges, committed)).toEqual([
      { topic: "transactions", partitions: 2, lag: 10, uncommitted: 0, expired: 0 },
    ]);
  });

  it("reads a partition never committed from its oldest record, and counts what retention took", () => {
    const ranges = new Map([
      [
        "refunds",
        [
          { partition: 0, low: 20, high: 30 },
          { partition: 1, low: 40, high: 45 },
        ],
      ],
    ]);
    const committed = [
      { topic: "refunds", partition: 0, offset: -1 },
      { topic: "refunds", partition: 1, offset: 35 },
    ];
    expect(lagByTopic(topics, ranges, committed)).toEqual([
      { topic: "refunds", partitions: 2, lag: 15, uncommitted: 1, expired: 5 },
    ]);
  });
});
