import { MongoClient } from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { localServers, requireServer } from "../core/local-servers.ts";

const up = await requireServer("mongo");

describe.skipIf(!up)("mongo-wire smoke: insert, find, aggregate and atomic rename", () => {
  const client = new MongoClient(localServers().mongoUrl, { serverSelectionTimeoutMS: 5000 });
  const db = client.db(`smoke_${process.pid}`);

  beforeAll(async () => {
    await client.connect();
  });

  afterAll(async () => {
    await db.dropDatabase();
    await client.close();
  });

  it("inserts, finds and aggregates", async () => {
    const sales = db.collection<{ category: string; country: string; revenue: number }>("sales");
    await sales.insertMany([
      { category: "Books", country: "UK", revenue: 10 },
      { category: "Books", country: "USA", revenue: 5 },
      { category: "Toys", country: "UK", revenue: 7 },
    ]);
    expect(await sales.countDocuments({ country: "UK" })).toBe(2);
    const found = await sales
      .find({ category: "Books" }, { projection: { _id: 0 } })
      .sort({ revenue: -1 })
      .toArray();
    expect(found.map((d) => d.country)).toEqual(["UK", "USA"]);
    const byCategory = await sales
      .aggregate<{ _id: string; revenue: number }>([
        { $group: { _id: "$category", revenue: { $sum: "$revenue" } } },
        { $sort: { _id: 1 } },
      ])
      .toArray();
    expect(byCategory).toEqual([
      { _id: "Books", revenue: 15 },
      { _id: "Toys", revenue: 7 },
    ]);
  });

  it("renames a collection to a free name, keeping its documents", async () => {
    await db.collection("staging").insertMany([{ n: 1 }, { n: 2 }]);
    await db.renameCollection("staging", "published");
    expect(await db.collection("published").countDocuments()).toBe(2);
    const names = (await db.listCollections().toArray()).map((c) => c.name);
    expect(names).toContain("published");
    expect(names).not.toContain("staging");
  });

  // MongoDB replaces the target atomically. FerretDB 1.x refuses dropTarget (NotImplemented,
  // code 238) and must leave the target untouched; docs/decisions.md says what the warehouse
  // publish does about it. If a FerretDB upgrade starts accepting it, this test says so.
  it("renameCollection with dropTarget: replaces on MongoDB, refused without damage on FerretDB", async () => {
    const info = await db.admin().command({ buildInfo: 1 });
    const ferret = typeof info.ferretdbVersion === "string";
    await db.collection("daily_sales").insertMany([
      { snapshot: "old", n: 1 },
      { snapshot: "old", n: 2 },
    ]);
    await db.collection("daily_sales_tmp").insertMany([{ snapshot: "new", n: 1 }]);
    const rename = db.renameCollection("daily_sales_tmp", "daily_sales", { dropTarget: true });
    if (ferret) {
      await expect(rename).rejects.toMatchObject({ code: 238 });
      await expect(rename).rejects.toThrow(/dropTarget/);
      const docs = await db
        .collection("daily_sales")
        .find({}, { projection: { _id: 0 } })
        .toArray();
      expect(docs).toEqual([
        { snapshot: "old", n: 1 },
        { snapshot: "old", n: 2 },
      ]);
      expect(await db.collection("daily_sales_tmp").countDocuments()).toBe(1);
    } else {
      await rename;
      const docs = await db
        .collection("daily_sales")
        .find({}, { projection: { _id: 0 } })
        .toArray();
      expect(docs).toEqual([{ snapshot: "new", n: 1 }]);
      const names = (await db.listCollections().toArray()).map((c) => c.name);
      expect(names).not.toContain("daily_sales_tmp");
    }
  });
});
