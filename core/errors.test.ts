import { describe, expect, it } from "vitest";
import { isRetriable, LakehouseError } from "./errors.ts";

describe("LakehouseError", () => {
  it("carries code, default retriable flag, context and cause", () => {
    const cause = new Error("socket hang up");
    const e = new LakehouseError("SERVICE_UNAVAILABLE", "postgres is down", {
      context: { host: "db" },
      cause,
    });
    expect(e.retriable).toBe(true);
    expect(e.cause).toBe(cause);
    expect(e.toJSON()).toMatchObject({
      code: "SERVICE_UNAVAILABLE",
      context: { host: "db" },
      cause: { message: "socket hang up" },
    });
    expect(new LakehouseError("VALIDATION_FAILED", "bad").retriable).toBe(false);
    expect(new LakehouseError("VALIDATION_FAILED", "bad", { retriable: true }).retriable).toBe(true);
  });
});

describe("isRetriable", () => {
  const withCode = (code: string) => Object.assign(new Error(code), { code });

  it("retries connection failures and transient Postgres states", () => {
    for (const code of ["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "57P01", "08006", "40001", "40P01"]) {
      expect(isRetriable(withCode(code)), code).toBe(true);
    }
  });

  it("does not retry constraint violations, syntax errors or plain errors", () => {
    for (const code of ["23505", "42601", "22P02"]) expect(isRetriable(withCode(code)), code).toBe(false);
    expect(isRetriable(new Error("boom"))).toBe(false);
    expect(isRetriable("string")).toBe(false);
    expect(isRetriable(null)).toBe(false);
  });

  it("understands kafkajs, AWS SDK and Mongo error shapes", () => {
    expect(isRetriable(Object.assign(new Error("x"), { retriable: true }))).toBe(true);
    expect(isRetriable(Object.assign(new Error("x"), { $metadata: { httpStatusCode: 503 } }))).toBe(true);
    expect(isRetriable(Object.assign(new Error("x"), { $metadata: { httpStatusCode: 404 } }))).toBe(false);
    expect(isRetriable(Object.assign(new Error("x"), { name: "MongoNetworkError" }))).toBe(true);
  });

  it("looks through causes and aggregate errors", () => {
    expect(isRetriable(new Error("wrapped", { cause: withCode("ECONNREFUSED") }))).toBe(true);
    expect(isRetriable(new AggregateError([new Error("a"), withCode("ECONNREFUSED")]))).toBe(true);
  });
});
