import { describe, expect, it } from "vitest";
import { cachedWarehouse } from "./snapshot-cache.ts";
import type { Row, Snapshot, TableQuery, WarehouseStore } from "./warehouse.ts";

function counting() {
  const calls: string[] = [];
  const store: WarehouseStore = {
    kind: "duckdb",
    runs: {} as WarehouseStore["runs"],
    current: async () => undefined,
    find: async (table: string, snapshot: Snapshot, query: TableQuery): Promise<Row[]> => {
      calls.push(`${table}/${snapshot.id}`);
      return Array.from({ length: query.limit }, (_, i) => ({ n: i, snapshot: snapshot.id }));
    },
    ping: async () => {},
    close: async () => {},
  };
  return { store, calls };
}

const one: TableQuery = { where: [{ field: "user_id", op: "eq", value: "u1" }], order: [], limit: 1 };
const s1 = { id: "run-1", date: "2026-11-01" };
const s2 = { id: "run-2", date: "2026-11-02" };

describe("the snapshot cache", () => {
  it("answers a repeated lookup of one snapshot from memory, and a new snapshot from the store", async () => {
    const { store, calls } = counting();
    const cached = cachedWarehouse(store, 100);
    expect(await cached.find("rfm", s1, one)).toEqual(await cached.find("rfm", s1, one));
    await cached.find("rfm", s1, { ...one, where: [{ field: "user_id", op: "eq", value: "u2" }] });
    expect(calls).toEqual(["rfm/run-1", "rfm/run-1"]);
    expect((await cached.find("rfm", s2, one))[0]).toMatchObject({ snapshot: "run-2" });
    expect(calls).toHaveLength(3);
  });

  it("always asks the store for a page after a cursor (a gone snapshot must still be a 409)", async () => {
    const { store, calls } = counting();
    const cached = cachedWarehouse(store, 100);
    const next = { ...one, order: [{ field: "user_id" }], after: ["u1"] };
    await cached.find("rfm", s1, next);
    await cached.find("rfm", s1, next);
    expect(calls).toHaveLength(2);
  });

  it("keeps at most maxRows rows, and shares only frozen rows", async () => {
    const { store, calls } = counting();
    const cached = cachedWarehouse(store, 10);
    const page = { where: [], order: [{ field: "n" }], limit: 6 };
    const rows = await cached.find("rfm", s1, page);
    expect(Object.isFrozen(rows[0])).toBe(true);
    await cached.find("rfm", s2, page); // 7 + 7 rows > 10: the first page is dropped
    await cached.find("rfm", s1, page);
    expect(calls).toHaveLength(3);
    expect(cachedWarehouse(store, 0)).toBe(store);
  });
});
