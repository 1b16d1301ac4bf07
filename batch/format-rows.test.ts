import { describe, expect, it } from "vitest";
import { formatRows } from "./format-rows.ts";

describe("formatRows", () => {
  const columns = ["segment", "customers"];
  const rows = [
    ["Champions", 12],
    ['Can\'t Lose "Them", really', null],
  ];

  it("aligns a table", () => {
    expect(formatRows(columns, rows, "table")).toBe(
      [
        "segment                   | customers",
        "--------------------------+----------",
        "Champions                 | 12       ",
        'Can\'t Lose "Them", really | ' + "         ",
        "(2 rows)",
      ].join("\n"),
    );
  });

  it("quotes CSV cells that need it", () => {
    expect(formatRows(columns, rows, "csv")).toBe(
      'segment,customers\nChampions,12\n"Can\'t Lose ""Them"", really",',
    );
  });

  it("gives JSON objects, nulls kept", () => {
    expect(JSON.parse(formatRows(columns, rows, "json"))).toEqual([
      { segment: "Champions", customers: 12 },
      { segment: 'Can\'t Lose "Them", really', customers: null },
    ]);
  });
});
