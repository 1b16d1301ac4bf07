import { describe, expect, it } from "vitest";
import { serveMetrics } from "./metrics.ts";

describe("serveMetrics", () => {
  it("serves /metrics, and names the flag to change when its port is taken", async () => {
    const first = await serveMetrics(0);
    try {
      const res = await fetch(`http://127.0.0.1:${first.port}/metrics`);
      expect(res.status).toBe(200);
      await expect(serveMetrics(first.port)).rejects.toMatchObject({
        code: "CONFIG_INVALID",
        message: `metrics port ${first.port} is in use: choose another with --metrics-port`,
      });
    } finally {
      await first.close();
    }
  });
});
