import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { LakehouseError } from "./errors.ts";
import { createLogger } from "./logger.ts";
import { backoffDelay, retry } from "./retry.ts";

function capture() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      cb();
    },
  });
  return { lines, logger: createLogger({ level: "info", destination }) };
}

const unavailable = () => new LakehouseError("SERVICE_UNAVAILABLE", "connection refused");

describe("backoffDelay", () => {
  it("doubles from the initial delay up to the cap", () => {
    const noJitter = (n: number) => backoffDelay(n, 1000, 5000, 0);
    expect([1, 2, 3, 4, 5].map(noJitter)).toEqual([1000, 2000, 4000, 5000, 5000]);
  });
  it("keeps jitter within the given fraction", () => {
    expect(backoffDelay(1, 1000, 5000, 0.2, () => 0)).toBe(800);
    expect(backoffDelay(1, 1000, 5000, 0.2, () => 1)).toBe(1000);
  });
});

describe("retry", () => {
  it("retries retriable failures with growing delays and logs what it waits for", async () => {
    const { lines, logger } = capture();
    const waits: number[] = [];
    let calls = 0;
    const result = await retry(
      async () => {
        if (++calls < 4) throw unavailable();
        return "ok";
      },
      {
        what: "postgres at db:5432",
        logger,
        jitter: 0,
        initialDelayMs: 100,
        sleep: async (ms) => void waits.push(ms),
      },
    );
    expect(result).toBe("ok");
    expect(waits).toEqual([100, 200, 400]);
    const warnings = lines.filter((l) => l.level === "warn").map((l) => l.msg);
    expect(warnings).toHaveLength(3);
    expect(warnings[0]).toMatch(
      /^waiting for postgres at db:5432: SERVICE_UNAVAILABLE: connection refused; retry 1 in 0\.1 s$/,
    );
    expect(lines.at(-1)?.msg).toBe("postgres at db:5432: available again");
  });

  it("does not retry a non-retriable error", async () => {
    let calls = 0;
    const bad = new LakehouseError("VALIDATION_FAILED", "bad row");
    await expect(
      retry(
        async () => {
          calls++;
          throw bad;
        },
        { what: "x", sleep: async () => {} },
      ),
    ).rejects.toBe(bad);
    expect(calls).toBe(1);
  });

  it("gives up after the attempt limit with the last error", async () => {
    let calls = 0;
    await expect(
      retry(
        async () => {
          calls++;
          throw unavailable();
        },
        { what: "x", attempts: 3, sleep: async () => {} },
      ),
    ).rejects.toThrow(/connection refused/);
    expect(calls).toBe(3);
  });

  it("stops waiting when aborted", async () => {
    const controller = new AbortController();
    const pending = retry(
      async () => {
        throw unavailable();
      },
      { what: "x", initialDelayMs: 60_000, signal: controller.signal },
    );
    setTimeout(() => controller.abort(new Error("shutting down")), 10);
    await expect(pending).rejects.toThrow("shutting down");
  });
});
