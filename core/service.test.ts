import { describe, expect, it } from "vitest";
import { LakehouseError } from "./errors.ts";
import { createLogger } from "./logger.ts";
import { runService, stopped } from "./service.ts";

const logger = createLogger({ level: "silent" });

describe("runService", () => {
  it("restarts a failing service with backoff, then gives up with exit code 1", async () => {
    let runs = 0;
    const started = Date.now();
    const code = await runService({
      name: "flaky",
      logger,
      maxRestarts: 1,
      run: async () => {
        runs++;
        throw new Error("database went away");
      },
    });
    expect(code).toBe(1);
    expect(runs).toBe(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900); // one 1 s backoff
  });

  it("counts failures in a row: a run that was healthy for a while starts the count again", async () => {
    let runs = 0;
    const code = await runService({
      name: "outlives outages",
      logger,
      maxRestarts: 1,
      healthyAfterMs: 40,
      run: async () => {
        runs++;
        if (runs === 4) return;
        await new Promise((r) => setTimeout(r, 60));
        throw new Error("kafka went away");
      },
    });
    expect(code).toBe(0);
    expect(runs).toBe(4);
  });

  it("does not restart a misconfiguration: the error reaches the command line", async () => {
    let runs = 0;
    await expect(
      runService({
        name: "api",
        logger,
        maxRestarts: 5,
        run: async () => {
          runs++;
          throw new LakehouseError("CONFIG_INVALID", "port 8080 is in use: choose another with --port");
        },
      }),
    ).rejects.toThrow(/port 8080 is in use/);
    expect(runs).toBe(1);
  });

  it("answers /health 503 until ready, 200 after, and stops with exit code 0 on SIGTERM", async () => {
    let port = 0;
    const health = async () => (await fetch(`http://127.0.0.1:${port}/health`)).status;
    const states: number[] = [];
    const running = runService({
      name: "worker",
      logger,
      metrics: [0, "127.0.0.1"],
      run: async ({ signal, ready, metricsPort }) => {
        port = metricsPort!;
        states.push(await health());
        ready();
        states.push(await health());
        setTimeout(() => process.emit("SIGTERM", "SIGTERM"), 10);
        await stopped(signal);
      },
    });
    expect(await running).toBe(0);
    expect(states).toEqual([503, 200]);
  });
});
