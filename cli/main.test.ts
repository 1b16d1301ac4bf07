import { afterEach, describe, expect, it, vi } from "vitest";
import { commands, main, usage } from "./main.ts";

describe("lakehouse cli", () => {
  afterEach(() => {
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
  });

  it("lists its commands and exits 2 without arguments", async () => {
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    expect(await main([])).toBe(2);
    expect(log).toHaveBeenCalledWith(usage());
    expect(usage()).toContain("lakehouse config");
  });

  it("explains each command with --help, without running it", async () => {
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    for (const [name, command] of Object.entries(commands)) {
      const run = vi.spyOn(command, "run");
      expect(await main([...name.split(" "), "--help"]), name).toBe(0);
      expect(run, name).not.toHaveBeenCalled();
      expect(String(log.mock.lastCall?.[0])).toBe(`usage: lakehouse ${name}\n  ${command.summary}`);
    }
  });

  it("rejects an unknown command", async () => {
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    expect(await main(["frobnicate"])).toBe(2);
    expect(String(error.mock.calls[0]?.[0])).toContain('unknown command "frobnicate"');
  });

  it("prints every configuration problem and exits 1", async () => {
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    vi.stubEnv("API_PORT", "nope");
    vi.stubEnv("LAKE_URI", "ftp://x");
    expect(await main(["config"])).toBe(1);
    const message = String(error.mock.calls[0]?.[0]);
    expect(message).toContain("API_PORT");
    expect(message).toContain("LAKE_URI");
  });
});
