import { createServer, type Server } from "node:net";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { localServers, requireServer, serverAddress } from "./local-servers.ts";

describe("localServers", () => {
  it("defaults to the addresses services.sh starts the servers on", () => {
    const s = localServers({});
    expect(s.kafkaBrokers).toEqual(["127.0.0.1:9092"]);
    expect(serverAddress("postgres", s)).toEqual({ host: "127.0.0.1", port: 5432 });
    expect(serverAddress("s3", s)).toEqual({ host: "127.0.0.1", port: 9000 });
    expect(serverAddress("mongo", s)).toEqual({ host: "127.0.0.1", port: 27017 });
  });

  it("follows the SPEC variables", () => {
    const s = localServers({
      KAFKA_BROKERS: "k:1,k:2",
      DATABASE_URL: "postgres://db:6543/x",
      MONGO_URL: "mongodb://m/x",
    });
    expect(serverAddress("kafka", s)).toEqual({ host: "k", port: 1 });
    expect(serverAddress("postgres", s)).toEqual({ host: "db", port: 6543 });
    expect(serverAddress("mongo", s)).toEqual({ host: "m", port: 27017 });
  });
});

describe("requireServer", () => {
  let server: Server;
  let openPort = 0;
  let closedPort = 0;

  beforeAll(async () => {
    server = createServer((socket) => socket.end());
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    openPort = (server.address() as { port: number }).port;
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
    closedPort = (probe.address() as { port: number }).port;
    await new Promise((resolve) => probe.close(resolve));
  });

  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it("is true when the server accepts connections", async () => {
    expect(await requireServer("kafka", { KAFKA_BROKERS: `127.0.0.1:${openPort}` })).toBe(true);
  });

  it("skips with a one-line reason outside CI", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    expect(await requireServer("kafka", { KAFKA_BROKERS: `127.0.0.1:${closedPort}` })).toBe(false);
    expect(warn).toHaveBeenCalledWith(
      expect.stringMatching(/^skipping: kafka is not reachable at 127\.0\.0\.1:\d+/),
    );
    warn.mockRestore();
  });

  it("fails with the reason under CI=true", async () => {
    await expect(
      requireServer("kafka", { CI: "true", KAFKA_BROKERS: `127.0.0.1:${closedPort}` }),
    ).rejects.toThrow(/kafka is not reachable.*CI=true/);
  });
});
