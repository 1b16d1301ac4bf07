/** `lakehouse api` (SPEC sections 7 and 9): the REST API over the real-time tables and the warehouse. */
import { join } from "node:path";
import { parseFlags, parseNumber } from "../cli/args.ts";
import { KeyRing } from "../core/api-keys.ts";
import { config, redactUrl } from "../core/config.ts";
import { LakehouseError, listenOn } from "../core/errors.ts";
import { componentLogger } from "../core/logger.ts";
import { runService, stopped } from "../core/service.ts";
import { runHistoryFile } from "../warehouse/runs-file.ts";
import { WAREHOUSE_TABLES } from "../batch/models.ts";
import { buildApi, settingsOf } from "./server.ts";
import { DuckDbWarehouse } from "./stores/duckdb-warehouse.ts";
import { MongoWarehouse } from "./stores/mongo-warehouse.ts";
import { cachedWarehouse, PUBLISH_WATCH_MS } from "./stores/snapshot-cache.ts";
import { pgRealtime } from "./stores/realtime.ts";

const log = componentLogger("api");

export async function apiCommand(args: string[]): Promise<number> {
  const cfg = config();
  const flags = parseFlags(args, {
    port: { type: "string", default: String(cfg.apiPort) },
    host: { type: "string", default: "0.0.0.0" },
  });
  const port = parseNumber("port", flags.port, { min: 0, max: 65535 });
  const url = cfg.api.databaseUrl ?? cfg.databaseUrl;
  if (url === undefined)
    throw new LakehouseError(
      "CONFIG_INVALID",
      "API_DATABASE_URL or DATABASE_URL must be set: the standalone API reads the real-time tables from Postgres",
    );
  if (cfg.api.databaseUrl === undefined)
    log.warn(
      "API_DATABASE_URL is not set: connecting with DATABASE_URL, each connection switched to the lakehouse_reader role",
    );

  const { ring: keys, generated } = KeyRing.fromConfig(cfg.apiKeys);
  // Printed once, on stderr, so it is seen but not captured with the JSON logs.
  if (generated)
    console.error(`API_KEYS is not set: development key (every scope) for this run: ${generated}`);

  const realtime = pgRealtime(url, log);
  const warehouse = cachedWarehouse(
    cfg.mongoUrl
      ? MongoWarehouse.open(cfg.mongoUrl)
      : new DuckDbWarehouse(join(cfg.dataDir, "warehouse", "gold.duckdb"), runHistoryFile(cfg.dataDir)),
    { lookupRows: cfg.api.warehouseCacheRows, residentRows: cfg.api.warehouseResidentRows, logger: log },
  );
  const app = await buildApi({
    realtime,
    warehouse,
    keys,
    logger: log,
    ...settingsOf(cfg.api),
  });
  return runService({
    name: "API",
    logger: log,
    run: async ({ signal, ready }) => {
      const address = await listenOn(app, port, flags.host, "--port or API_PORT");
      log.info(
        { database: redactUrl(url), warehouse: warehouse.kind, keys: keys.size },
        `API listening on ${address} (overview at /, docs at /docs, OpenAPI at /openapi.json)`,
      );
      warehouse.watch(Object.keys(WAREHOUSE_TABLES), PUBLISH_WATCH_MS);
      ready();
      await stopped(signal);
    },
  }).finally(async () => {
    await app.close(); // answers the requests in flight, refuses new ones with 503
    await Promise.all([realtime.close(), warehouse.close()]);
  });
}
