/**
 * docker-compose.yml cannot run here (no Docker engine), so it is proven two ways:
 * 1. it validates against the Compose Specification's JSON schema (compose-go's copy, which
 *    `services.sh install` fetches from the Go module proxy; Debian's docker-compose 1.29 is
 *    older than the file's top-level `name` and environment secrets, so it cannot parse it);
 * 2. every project service's exact command and environment, with the compose hostnames mapped
 *    to the local servers, starts against them and passes its own compose healthcheck, then
 *    does its job on a few events: topics created, events generated and collected, both stream
 *    workers sharing the shards and writing rows, the sink consuming, the API answering.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { Ajv2020 } from "ajv/dist/2020.js";
import { MongoClient } from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { composeSchemaPath, LAKE_BUCKET, localServers, requireServer } from "../core/local-servers.ts";
import { createLogger } from "../core/logger.ts";
import { testSchema, type TestSchema } from "../stream/testing/harness.ts";
import {
  compose,
  composeText,
  interpolate,
  PROJECT_IMAGE,
  type Compose,
  type ComposeService,
} from "./testing/compose.ts";

const ROOT = new URL("..", import.meta.url).pathname;

describe("docker-compose.yml against the Compose Specification", () => {
  const schemaFile = composeSchemaPath();
  const missing = !existsSync(schemaFile);
  if (missing && process.env.CI === "true")
    throw new Error(`${schemaFile} is missing (npm run services:install fetches it); CI=true, so this fails`);
  if (missing) console.warn(`skipping: ${schemaFile} is missing (npm run services:install fetches it)`);

  it.skipIf(missing)("validates, and the schema refuses a broken copy", () => {
    const ajv = new Ajv2020({ allErrors: true, strict: false });
    const validate = ajv.compile(JSON.parse(readFileSync(schemaFile, "utf8")) as object);
    expect(validate(compose), JSON.stringify(validate.errors, null, 1)).toBe(true);
    const broken = structuredClone(compose) as Compose & {
      services: Record<string, Record<string, unknown>>;
    };
    broken.services.api!.depends_on = { postgres: { condition: "service_ready" } };
    broken.services.stream_1 = { image: PROJECT_IMAGE, restartt: "always" };
    expect(validate(broken)).toBe(false);
    const paths = (validate.errors ?? []).map((e) => e.instancePath);
    expect(paths.some((p) => p.startsWith("/services/api/depends_on"))).toBe(true);
    expect(paths.some((p) => p.startsWith("/services/stream_1"))).toBe(true);
  });
});

describe("docker-compose.yml's variables", () => {
  it("are each listed in .env.example with the compose file's own default", () => {
    const example = readFileSync(new URL("../.env.example", import.meta.url), "utf8");
    const listed = new Map(
      [...example.matchAll(/^([A-Z0-9_]+)=(.*)$/gm)].map((m) => [m[1]!, m[2]!] as const),
    );
    const used = [...composeText.matchAll(/\$\{([A-Z0-9_]+)(?::?-([^}]*))?\}/g)];
    expect(used.length).toBeGreaterThan(10);
    for (const [, name, fallback] of used) {
      expect(listed.has(name!), `${name} is not in .env.example`).toBe(true);
      if (fallback !== undefined) expect(listed.get(name!), name).toBe(fallback);
    }
  });

  it("interpolate as Compose does", () => {
    const env = { SET: "x", EMPTY: "" };
    expect(interpolate("${SET:-d}/${EMPTY:-d}/${EMPTY-d}/${UNSET-d}/${UNSET}/$$HOME", env)).toBe(
      "x/d//d//$HOME",
    );
  });
});

describe("every project service of docker-compose.yml, run as written against the local servers", async () => {
  const up = (
    await Promise.all((["kafka", "postgres", "s3", "mongo"] as const).map((s) => requireServer(s)))
  ).every(Boolean);
  const servers = localServers();
  const run = randomBytes(3).toString("hex");
  const prefix = `compose-${run}.`;
  const mongoDb = `compose_${run}`;
  const children = new Map<string, ChildProcess>();
  const output = new Map<string, string[]>();
  let schema: TestSchema;

  const project = Object.entries(compose.services).filter(([, s]) => s.image === PROJECT_IMAGE);
  const oneShot = project.filter(([name]) =>
    Object.values(compose.services).some(
      (s) => s.depends_on?.[name]?.condition === "service_completed_successfully",
    ),
  );
  const longRunning = project.filter(([name]) => !oneShot.some(([n]) => n === name));

  /** The service's environment after interpolation, with each compose server mapped to the local one. */
  function environmentOf(service: ComposeService): Record<string, string> {
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(service.environment ?? {})) env[k] = interpolate(String(v), {});
    const mongo = new URL(servers.mongoUrl);
    mongo.pathname = `/${mongoDb}`;
    const local: Record<string, string> = {
      KAFKA_BROKERS: servers.kafkaBrokers.join(","),
      DATABASE_URL: schema.url,
      MONGO_URL: mongo.toString(),
      S3_ENDPOINT: servers.s3.endpoint,
      S3_ACCESS_KEY_ID: servers.s3.accessKeyId,
      S3_SECRET_ACCESS_KEY: servers.s3.secretAccessKey,
      LAKE_URI: `s3://${LAKE_BUCKET}/${prefix}lake`,
    };
    for (const [k, v] of Object.entries(local)) if (k in env) env[k] = v;
    // Every compose hostname was mapped: nothing may still point into the compose network.
    for (const [k, v] of Object.entries(env))
      expect(v, `${k} still names a compose server`).not.toMatch(
        /\/\/(kafka|postgres|minio|mongo)[:/]|^kafka:/,
      );
    // The one addition: a topic prefix, so this run's topics are its own.
    return { ...env, KAFKA_TOPIC_PREFIX: prefix };
  }

  const envs = new Map<string, Record<string, string>>();

  function start(name: string, service: ComposeService): ChildProcess {
    const env = environmentOf(service);
    envs.set(name, env);
    const child = spawn(process.execPath, ["bin/lakehouse.mjs", ...service.command!], {
      cwd: ROOT,
      env: { PATH: process.env.PATH!, HOME: process.env.HOME!, ...env, LOG_LEVEL: "warn" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const lines: string[] = [];
    output.set(name, lines);
    const keep = (b: Buffer) => lines.push(...b.toString().split("\n").filter(Boolean).slice(-20));
    child.stdout.on("data", keep);
    child.stderr.on("data", keep);
    children.set(name, child);
    return child;
  }

  /** Runs the service's own compose healthcheck (its `test`, with its environment) until it passes. */
  async function healthy(name: string, service: ComposeService, timeoutMs = 90_000): Promise<void> {
    const [kind, ...argv] = service.healthcheck!.test;
    expect(kind).toBe("CMD");
    const env = { ...process.env, ...envs.get(name) };
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const exit = children.get(name)!.exitCode;
      if (exit !== null) throw new Error(`${name} exited ${exit}:\n${output.get(name)!.join("\n")}`);
      const check = spawnSync(argv[0] === "node" ? process.execPath : argv[0]!, argv.slice(1), {
        env,
        timeout: 5000,
      });
      if (check.status === 0) return;
      if (Date.now() > deadline)
        throw new Error(`${name} never became healthy:\n${output.get(name)!.join("\n")}`);
      await new Promise((r) => setTimeout(r, 1000));
    }
  }

  beforeAll(async () => {
    if (!up) return;
    schema = await testSchema(servers.databaseUrl, createLogger({ level: "silent" }));
  }, 60_000);

  afterAll(async () => {
    await Promise.all(
      [...children.values()].map(
        (c) =>
          new Promise<void>((resolve) => {
            if (c.exitCode !== null) return resolve();
            c.once("exit", () => resolve());
            c.kill("SIGTERM");
            setTimeout(() => c.kill("SIGKILL"), 15_000).unref();
          }),
      ),
    );
    if (!up) return;
    await schema?.drop();
    const mongo = new MongoClient(servers.mongoUrl);
    await mongo.connect();
    await mongo.db(mongoDb).dropDatabase();
    await mongo.close();
  }, 60_000);

  it.skipIf(!up)(
    "starts each one, healthy by its own healthcheck, each doing its job",
    async () => {
      expect(oneShot.map(([n]) => n)).toEqual(["topics"]);
      expect(longRunning.map(([n]) => n).sort()).toEqual(
        ["api", "batch", "collector", "generator", "lake-sink", "stream-1", "stream-2"].sort(),
      );

      // The one-shot setup runs to completion first, as service_completed_successfully asks.
      for (const [name, service] of oneShot) {
        const code = await new Promise<number | null>((resolve) =>
          start(name, service).once("exit", resolve),
        );
        expect(code, `${name}: ${output.get(name)!.join("\n")}`).toBe(0);
      }
      for (const [name, service] of longRunning) start(name, service);
      await Promise.all(longRunning.map(([name, service]) => healthy(name, service)));

      // Collector: a key from its own API_KEYS posts a view.
      const collector = envs.get("collector")!;
      const shopKey = collector.API_KEYS!.split(",")[0]!.split(":")[1]!;
      const posted = await fetch("http://127.0.0.1:8081/v1/events", {
        method: "POST",
        headers: { "content-type": "application/json", "x-api-key": shopKey },
        body: JSON.stringify([
          {
            topic: "product_views",
            value: {
              event_id: crypto.randomUUID(),
              user_id: crypto.randomUUID(),
              product_id: crypto.randomUUID(),
              session_id: crypto.randomUUID(),
              timestamp: new Date().toISOString(),
              duration_seconds: 5,
              category: "Electronics",
            },
          },
        ]),
      });
      expect(posted.status).toBe(202);
      expect(await posted.json()).toMatchObject({ accepted: 1, rejected: 0 });

      // Generator -> Kafka -> both stream workers -> Postgres; the sink consumes the same topics.
      const until = Date.now() + 90_000;
      let rows = 0;
      let owners = 0;
      while (Date.now() < until && (rows === 0 || owners < 2)) {
        await new Promise((r) => setTimeout(r, 2000));
        rows = Number(
          (await schema.pool.query<{ n: string }>("SELECT count(*) AS n FROM funnel_metrics")).rows[0]!.n,
        );
        owners = Number(
          (await schema.pool.query<{ n: string }>("SELECT count(DISTINCT owner) AS n FROM stream_shards"))
            .rows[0]!.n,
        );
      }
      expect(rows, "rows written by the stream workers").toBeGreaterThan(0);
      expect(owners, "both stream workers own shards").toBe(2);
      const sinkMetrics = await (await fetch("http://127.0.0.1:9465/metrics")).text();
      expect(sinkMetrics).toMatch(/^lake_sink_/m);

      // API: the Prometheus key from its API_KEYS reads the operations the stream reported.
      const api = envs.get("api")!;
      const promKey = api
        .API_KEYS!.split(",")
        .find((k) => k.startsWith("prometheus:"))!
        .split(":")[1]!;
      const ops = await fetch("http://127.0.0.1:8080/v1/realtime/operations", {
        headers: { "x-api-key": promKey },
      });
      expect(ops.status, await ops.clone().text()).toBe(200);
      expect((await fetch("http://127.0.0.1:8080/readyz")).status).toBe(200);
      const batch = await (await fetch("http://127.0.0.1:9467/metrics")).text();
      expect(batch).toContain("process_cpu_seconds_total");
    },
    300_000,
  );
});
