import { describe, expect, it } from "vitest";
import { unknownProductIds } from "./product-ids.ts";

const known = new Set(["p-known"]);
const scan = (json: string) => {
  const found = new Set<string>();
  unknownProductIds(Buffer.from(json), (id) => known.has(id), found);
  return [...found];
};

describe("unknownProductIds", () => {
  it("finds every item's product id that is not known, once", () => {
    expect(
      scan('{"products":[{"product_id":"p-1","quantity":1},{"product_id":"p-known"},{"product_id":"p-1"}]}'),
    ).toEqual(["p-1"]);
  });

  it("reads a client's own spacing, and skips what is not an id", () => {
    expect(
      scan('{"product_id" :\n "p-2", "x": {"product_id": 5}, "product_id":"' + "z".repeat(80) + '"}'),
    ).toEqual(["p-2"]);
    expect(scan('{"product_id":"unterminated')).toEqual([]);
    expect(scan("{}")).toEqual([]);
  });
});
