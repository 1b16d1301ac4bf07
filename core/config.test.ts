import { describe, expect, it } from "vitest";
import { defaultBatchMemoryLimit, describeConfig, loadConfig, redactUrl } from "./config.ts";
import { LakehouseError } from "./errors.ts";

describe("loadConfig", () => {
  it("gives the SPEC defaults for an empty environment", () => {
    const c = loadConfig({});
    expect(c.kafkaBrokers).toBeUndefined();
    expect(c.databaseUrl).toBeUndefined();
    expect(c.mongoUrl).toBeUndefined();
    expect(c.dataDir).toMatch(/\/data$/);
    expect(c.lake).toMatchObject({ kind: "file", path: `${c.dataDir}/lake` });
    expect(c.apiPort).toBe(8080);
    expect(c.apiKeys).toBeUndefined();
    expect(c.batchTimeZone).toBe("UTC");
    expect(c.batchCron).toBe("0 2 * * *");
    expect(c.s3.region).toBe("us-east-1");
  });

  it("parses a full-stack environment", () => {
    const c = loadConfig({
      KAFKA_BROKERS: "k1:9092, k2:9092",
      DATABASE_URL: "postgres://u:p@db:5432/lake",
      LAKE_URI: "s3://my-lake/events/",
      S3_ENDPOINT: "http://minio:9000",
      S3_ACCESS_KEY_ID: "id",
      S3_SECRET_ACCESS_KEY: "secret",
      MONGO_URL: "mongodb://mongo:27017/wh",
      API_PORT: "9999",
      API_KEYS: "grafana:s3cr3t:realtime:read+warehouse:read,ops:t0ps3cr3t:ops:read",
      API_MAX_RANGE: "31d",
      TZ_BATCH: "Europe/Berlin",
      BATCH_CRON: "30 3 * * 1-5",
      BATCH_MEMORY_LIMIT: "800MB",
      BATCH_THREADS: "1",
      KAFKA_TOPIC_PREFIX: "shop-a.",
    });
    expect([c.batchMemoryLimit, c.batchThreads]).toEqual(["800MB", 1]);
    expect(loadConfig({}).batchMemoryLimit).toBe(defaultBatchMemoryLimit());
    // Half the machine, at most 4 GiB.
    expect([defaultBatchMemoryLimit(24 * 2 ** 30), defaultBatchMemoryLimit(2 * 2 ** 30)]).toEqual([
      "4096MiB",
      "1024MiB",
    ]);
    expect(c.kafkaBrokers).toEqual(["k1:9092", "k2:9092"]);
    expect(c.kafkaTopicPrefix).toBe("shop-a.");
    expect(loadConfig({}).kafkaTopicPrefix).toBe("");
    expect(c.lake).toEqual({ kind: "s3", bucket: "my-lake", prefix: "events", uri: "s3://my-lake/events" });
    expect(c.s3.forcePathStyle).toBe(true); // defaults on when an endpoint is given (MinIO)
    expect(c.apiKeys).toEqual([
      { name: "grafana", secret: "s3cr3t", scopes: ["realtime:read", "warehouse:read"] },
      { name: "ops", secret: "t0ps3cr3t", scopes: ["ops:read"] },
    ]);
    expect(c.api.maxRangeMs).toBe(31 * 86_400_000);
    expect(c.api.rateLimitPerMinute).toBe(1200);
    expect(c.apiPort).toBe(9999);
  });

  it("reads a file:// lake", () => {
    expect(loadConfig({ LAKE_URI: "file:///srv/lake/" }).lake).toMatchObject({
      kind: "file",
      path: "/srv/lake",
    });
  });

  it("lists every bad variable in one error", () => {
    let error: unknown;
    try {
      loadConfig({
        KAFKA_BROKERS: "localhost",
        DATABASE_URL: "mysql://x",
        LAKE_URI: "ftp://x",
        API_PORT: "http",
        S3_FORCE_PATH_STYLE: "maybe",
        TZ_BATCH: "Mars/Olympus",
        BATCH_CRON: "every night",
        S3_ACCESS_KEY_ID: "only-id",
        API_KEYS: "nocolon",
        API_MAX_RANGE: "forever",
        KAFKA_TOPIC_PREFIX: "my prefix/",
        BATCH_MEMORY_LIMIT: "lots",
      });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(LakehouseError);
    const e = error as LakehouseError;
    expect(e.code).toBe("CONFIG_INVALID");
    expect(e.retriable).toBe(false);
    for (const name of [
      "KAFKA_BROKERS",
      "DATABASE_URL",
      "LAKE_URI",
      "API_PORT",
      "S3_FORCE_PATH_STYLE",
      "TZ_BATCH",
      "BATCH_CRON",
      "S3_SECRET_ACCESS_KEY",
      "API_KEYS",
      "API_MAX_RANGE",
      "KAFKA_TOPIC_PREFIX",
      "BATCH_MEMORY_LIMIT",
    ]) {
      expect(e.message).toContain(name);
    }
    expect(e.context.problems).toHaveLength(12);
  });

  it("never echoes a password in its errors or description", () => {
    expect(() => loadConfig({ DATABASE_URL: "mysql://u:hunter2@db/x" })).toThrow(/\*\*\*/);
    expect(() => loadConfig({ DATABASE_URL: "mysql://u:hunter2@db/x" })).not.toThrow(/hunter2/);
    const described = JSON.stringify(
      describeConfig(
        loadConfig({
          DATABASE_URL: "postgres://u:hunter2@db/x",
          S3_ACCESS_KEY_ID: "a",
          S3_SECRET_ACCESS_KEY: "s3cret",
          API_KEYS: "grafana:k3ysecret",
        }),
      ),
    );
    expect(described).not.toMatch(/hunter2|s3cret|k3ysecret/);
  });

  it("rejects out-of-range ports and invalid bucket names", () => {
    expect(() => loadConfig({ API_PORT: "70000" })).toThrow(/API_PORT/);
    expect(() => loadConfig({ LAKE_URI: "s3://A_B" })).toThrow(/LAKE_URI/);
  });
});

describe("redactUrl", () => {
  it("masks the password and keeps the rest", () => {
    expect(redactUrl("postgres://user:pw@host:5432/db")).toBe("postgres://user:***@host:5432/db");
    expect(redactUrl("postgres://host/db")).toBe("postgres://host/db");
  });
});
