import { describe, expect, it } from "vitest";
import { cachedWarehouse } from "./snapshot-cache.ts";
import type { Row, Snapshot, TableQuery, WarehouseStore } from "./warehouse.ts";

const s1 = { id: "run-1", date: "2026-11-01" };
const s2 = { id: "run-2", date: "2026-11-02" };

/** A store whose `rfm` table holds `rows`, current snapshot `current.s`, counting its reads. */
function counting(rows: Row[] = []) {
  const calls: string[] = [];
  const current: { s: Snapshot | undefined; fail: boolean } = { s: undefined, fail: false };
  const store: WarehouseStore = {
    kind: "duckdb",
    runs: {} as WarehouseStore["runs"],
    current: async () => current.s,
    find: async (table: string, snapshot: Snapshot, query: TableQuery): Promise<Row[]> => {
      calls.push(`${table}/${snapshot.id}`);
      return Array.from({ length: query.limit }, (_, i) => ({ n: i, snapshot: snapshot.id }));
    },
    readAll: async (table: string, snapshot: Snapshot, maxRows: number) => {
      calls.push(`readAll ${table}/${snapshot.id}`);
      if (current.fail) throw new Error("store away");
      return rows.length > maxRows ? undefined : rows.map((r) => ({ ...r, snapshot: snapshot.id }));
    },
    ping: async () => {},
    close: async () => {},
  };
  return { store, calls, current };
}

const one: TableQuery = { where: [{ field: "user_id", op: "eq", value: "u1" }], order: [], limit: 1 };
const answers = (lookupRows: number) => ({ lookupRows, residentRows: 0 });

describe("the snapshot cache: answers", () => {
  it("answers a repeated lookup of one snapshot from memory, and a new snapshot from the store", async () => {
    const { store, calls } = counting();
    const cached = cachedWarehouse(store, answers(100));
    expect(await cached.find("rfm", s1, one)).toEqual(await cached.find("rfm", s1, one));
    await cached.find("rfm", s1, { ...one, where: [{ field: "user_id", op: "eq", value: "u2" }] });
    expect(calls).toEqual(["rfm/run-1", "rfm/run-1"]);
    expect((await cached.find("rfm", s2, one))[0]).toMatchObject({ snapshot: "run-2" });
    expect(calls).toHaveLength(3);
  });

  it("always asks the store for a page after a cursor (a gone snapshot must still be a 409)", async () => {
    const { store, calls } = counting();
    const cached = cachedWarehouse(store, answers(100));
    const next = { ...one, order: [{ field: "user_id" }], after: ["u1"] };
    await cached.find("rfm", s1, next);
    await cached.find("rfm", s1, next);
    expect(calls).toHaveLength(2);
  });

  it("keeps at most lookupRows rows, and shares only frozen rows", async () => {
    const { store, calls } = counting();
    const cached = cachedWarehouse(store, answers(10));
    const page = { where: [], order: [{ field: "n" }], limit: 6 };
    const rows = await cached.find("rfm", s1, page);
    expect(Object.isFrozen(rows[0])).toBe(true);
    await cached.find("rfm", s2, page); // 7 + 7 rows > 10: the first page is dropped
    await cached.find("rfm", s1, page);
    expect(calls).toHaveLength(3);
    const none = cachedWarehouse(store, answers(0));
    await none.find("rfm", s1, page);
    await none.find("rfm", s1, page);
    expect(calls).toHaveLength(5);
  });
});

describe("the snapshot cache: resident tables", () => {
  const users = Array.from({ length: 1000 }, (_, i) => ({
    user_id: `u${String(i).padStart(4, "0")}`,
    segment: ["Champions", "At Risk", "Hibernating"][i % 3]!,
    monetary: (i * 37) % 101,
  }));

  /** A cache that has seen run-1 current and read it whole. */
  const heldOnce = async () => {
    const { store, calls, current } = counting(users);
    current.s = s1;
    const cached = cachedWarehouse(store, { lookupRows: 0, residentRows: 5000 });
    await cached.current("rfm");
    await cached.settled();
    return { cached, calls, current };
  };

  it("reads the current snapshot whole once, then answers lookups and walks without the store", async () => {
    const { cached, calls } = await heldOnce();
    expect(calls).toEqual(["readAll rfm/run-1"]);
    expect(
      await cached.find("rfm", s1, { ...one, where: [{ field: "user_id", op: "eq", value: "u0042" }] }),
    ).toEqual([{ ...users[42], snapshot: "run-1" }]);
    const walked: Row[] = [];
    const query: TableQuery = {
      where: [{ field: "segment", op: "eq", value: "At Risk" }],
      order: [{ field: "monetary", desc: true }, { field: "user_id" }],
      limit: 7,
    };
    for (let page = await cached.find("rfm", s1, query); page.length > 0;) {
      walked.push(...page);
      const last = page.at(-1)!;
      page = await cached.find("rfm", s1, {
        ...query,
        after: [last.monetary as number, last.user_id as string],
      });
    }
    const want = users
      .filter((u) => u.segment === "At Risk")
      .sort((a, b) => b.monetary - a.monetary || (a.user_id < b.user_id ? -1 : 1));
    expect(walked.map((r) => r.user_id)).toEqual(want.map((u) => u.user_id));
    expect(calls).toEqual(["readAll rfm/run-1"]);
  });

  it("sends a snapshot that is no longer current to the store, and loads the new one", async () => {
    const { cached, calls, current } = await heldOnce();
    current.s = s2; // published: the store now answers for run-2, and run-1 only from itself
    await cached.find("rfm", s1, one);
    await cached.settled();
    expect(calls).toEqual(["readAll rfm/run-1", "rfm/run-1", "readAll rfm/run-2"]);
    expect(
      (await cached.find("rfm", s2, { ...one, where: [{ field: "user_id", op: "eq", value: "u0001" }] }))[0],
    ).toMatchObject({ snapshot: "run-2" });
    expect(calls).toHaveLength(3);
  });

  it("watch reads each table at start and each new publish with no request asking", async () => {
    const { store, calls, current } = counting(users);
    current.s = s1;
    const cached = cachedWarehouse(store, { lookupRows: 0, residentRows: 5000 });
    cached.watch(["rfm"], 20);
    const readAll = async (n: number) => {
      for (let i = 0; i < 100 && calls.length < n; i++) await new Promise((r) => setTimeout(r, 5));
      await cached.settled();
    };
    await readAll(1);
    expect(calls).toEqual(["readAll rfm/run-1"]);
    await new Promise((r) => setTimeout(r, 60)); // three more looks: nothing new to read
    expect(calls).toEqual(["readAll rfm/run-1"]);
    current.s = s2;
    await readAll(2);
    expect(calls).toEqual(["readAll rfm/run-1", "readAll rfm/run-2"]);
    await cached.find("rfm", s2, one); // from memory
    expect(calls).toHaveLength(2);
    await cached.close(); // stops looking
    current.s = { id: "run-3", date: "2026-11-03" };
    await new Promise((r) => setTimeout(r, 60));
    expect(calls).toHaveLength(2);
  });

  it("leaves a table larger than its budget to the store, and retries a failed read later", async () => {
    const { store, calls, current } = counting(users);
    current.s = s1;
    const small = cachedWarehouse(store, { lookupRows: 0, residentRows: 999 });
    await small.current("rfm");
    await small.settled();
    await small.current("rfm");
    await small.settled();
    await small.find("rfm", s1, one);
    expect(calls).toEqual(["readAll rfm/run-1", "rfm/run-1"]);

    calls.length = 0;
    current.fail = true;
    const flaky = cachedWarehouse(store, { lookupRows: 0, residentRows: 5000, retryMs: 30 });
    await flaky.current("rfm");
    await flaky.settled();
    await flaky.current("rfm"); // within retryMs: not read again
    await flaky.settled();
    expect(calls).toEqual(["readAll rfm/run-1"]);
    current.fail = false;
    await new Promise((r) => setTimeout(r, 40));
    await flaky.current("rfm");
    await flaky.settled();
    await flaky.find("rfm", s1, one);
    expect(calls).toEqual(["readAll rfm/run-1", "readAll rfm/run-1"]);
  });
});
