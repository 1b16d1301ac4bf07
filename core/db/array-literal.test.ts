import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { arrayLiteral, withArrayLiterals } from "./array-literal.ts";
import { openPglite } from "./pglite-sql.ts";
import type { Sql } from "./sql.ts";

describe("arrayLiteral", () => {
  let sql: Sql;
  beforeAll(async () => {
    sql = (await openPglite()).sql;
  }, 30_000);
  afterAll(() => sql.close());

  // Postgres itself reads each literal back: what it parses must be exactly what went in.
  const roundTrip = async (type: string, values: unknown[]) => {
    const { rows } = await sql.query<{ a: unknown[] }>(`SELECT $1::${type}[] AS a`, [arrayLiteral(values)]);
    return rows[0]!.a;
  };

  it("keeps strings that need quoting or escaping", async () => {
    const hostile = [
      "",
      "NULL",
      "null",
      "a,b",
      "{x}",
      'say "hi"',
      "back\\slash",
      '\\"',
      " pad ",
      "ünï €",
      "\n\t",
    ];
    expect(await roundTrip("text", hostile)).toEqual(hostile);
    const plain = ["a", "", "NULL", "x,y", "{z}", " ", "é"];
    expect(arrayLiteral(plain)).toBe('{"a","","NULL","x,y","{z}"," ","é"}');
    expect(await roundTrip("text", plain)).toEqual(plain);
    expect(await roundTrip("text", ["a", null])).toEqual(["a", null]);
  });

  it("keeps numbers, nulls and booleans", async () => {
    const big = [0, -1, Number.MAX_SAFE_INTEGER, null];
    expect(await roundTrip("bigint", big)).toEqual(big);
    expect(await roundTrip("double precision", [1.5, -0.25, 1e-7, NaN, Infinity])).toEqual([
      1.5,
      -0.25,
      1e-7,
      NaN,
      Infinity,
    ]);
    expect(await roundTrip("int", [])).toEqual([]);
    expect(arrayLiteral([1, -2.5])).toBe("{1,-2.5}");
    expect(await roundTrip("boolean", [true, false, null])).toEqual([true, false, null]);
  });

  it("leaves what it does not know to the driver", () => {
    expect(arrayLiteral([new Date(0)])).toBeUndefined();
    expect(arrayLiteral([[1, 2]])).toBeUndefined();
    const date = [new Date(0)];
    const params = withArrayLiterals([1, "x", date, ["a"]])!;
    expect(params).toEqual([1, "x", date, '{"a"}']);
  });
});
