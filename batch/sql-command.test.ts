import { describe, expect, it } from "vitest";
import { splitStatements } from "./sql-command.ts";

describe("splitStatements", () => {
  it("splits at semicolons outside quotes and comments", () => {
    expect(
      splitStatements(`SELECT 'a;b' AS x; -- a comment; not a statement
        SELECT "odd;name" FROM t;;
        SELECT 3`),
    ).toEqual(["SELECT 'a;b' AS x", 'SELECT "odd;name" FROM t', "SELECT 3"]);
  });
});
