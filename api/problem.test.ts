import { describe, expect, it } from "vitest";
import { ERROR_CODES, LakehouseError, type ErrorCode } from "../core/errors.ts";
import { badField, toProblem } from "./problem.ts";

describe("problems", () => {
  it("gives every code a status and title, and answers client errors with their own detail", () => {
    for (const code of Object.keys(ERROR_CODES) as ErrorCode[]) {
      const { problem } = toProblem(new LakehouseError(code, `detail of ${code}`));
      expect(problem.type).toMatch(/^urn:lakehouse:problem:[a-z-]+$/);
      expect(problem.title.length).toBeGreaterThan(5);
      if (ERROR_CODES[code].status < 500) {
        expect(problem.status).toBe(ERROR_CODES[code].status);
        expect(problem.detail).toBe(`detail of ${code}`);
      }
    }
  });

  it("never passes on the message of an internal failure", () => {
    for (const err of [
      new Error('syntax error at or near "SELECT" in /srv/app/api.ts:12'),
      new LakehouseError("INTERNAL", "pg: relation secret does not exist"),
      new LakehouseError("DATA_TEST_FAILED", "rows: ..."),
    ]) {
      const { problem, fault } = toProblem(err);
      expect(problem).toMatchObject({ status: 500, code: "INTERNAL", detail: "an internal error occurred" });
      expect(fault).toBe(true);
    }
  });

  it("maps a store that went away to 503, and names the bad field of a 400", () => {
    expect(
      toProblem(Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" })).problem.status,
    ).toBe(503);
    expect(toProblem(badField("limit", "must be <= 1000")).problem).toMatchObject({
      status: 400,
      errors: [{ field: "limit", message: "must be <= 1000" }],
    });
  });
});
