import { describe, expect, it } from "vitest";
import { cachedRealtime } from "./cache.ts";
import type { RealtimeDb } from "./realtime.ts";

function counting(fail = false) {
  const calls: string[] = [];
  const db: RealtimeDb = {
    query: async <T>(text: string) => {
      calls.push(text);
      await new Promise((r) => setTimeout(r, 5));
      if (fail) throw new Error("down");
      return [{ n: calls.length }] as T[];
    },
    ping: async () => {},
    close: async () => {},
  };
  return { db, calls };
}

describe("the real-time result cache", () => {
  it("answers identical queries from one round trip within the TTL, and asks again after it", async () => {
    const { db, calls } = counting();
    const cached = cachedRealtime(db, 50);
    const [a, b] = await Promise.all([cached.query("q", [1]), cached.query("q", [1])]);
    expect(a).toEqual(b);
    await cached.query("q", [1]);
    await cached.query("q", [2]);
    expect(calls).toHaveLength(2);
    await new Promise((r) => setTimeout(r, 80));
    await cached.query("q", [1]);
    expect(calls).toHaveLength(3);
  });

  it("does not keep a failure", async () => {
    const { db, calls } = counting(true);
    const cached = cachedRealtime(db, 1000);
    await expect(cached.query("q")).rejects.toThrow("down");
    await expect(cached.query("q")).rejects.toThrow("down");
    expect(calls).toHaveLength(2);
  });

  it("is off with a TTL of 0", () => {
    const { db } = counting();
    expect(cachedRealtime(db, 0)).toBe(db);
  });
});
