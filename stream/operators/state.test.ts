import { describe, expect, it } from "vitest";
import { Keyed } from "./state.ts";

describe("Keyed", () => {
  it("reports upserts and deletions since the last call, restored values not included", () => {
    const k = new Keyed<number>();
    k.restore("old", 1);
    k.set("a", 1);
    k.set("a", 2);
    k.delete("old");
    expect(k.takeChanges()).toEqual({ upserts: [["a", 2]], deletes: ["old"] });
    expect(k.takeChanges()).toEqual({ upserts: [], deletes: [] });
  });

  it("writes nothing for a key created and deleted in the same batch, but keeps a real deletion", () => {
    const k = new Keyed<number>();
    k.set("brief", 1);
    k.delete("brief");
    k.restore("stored", 1);
    k.delete("stored");
    k.set("stored", 2); // the same key again, then gone again: Postgres must still lose it
    k.delete("stored");
    expect(k.takeChanges()).toEqual({ upserts: [], deletes: ["stored"] });
  });
});
