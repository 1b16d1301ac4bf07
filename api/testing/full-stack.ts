/**
 * The API's stores on the full stack: real Postgres (a schema of its own, read as the
 * lakehouse_reader role) and the MongoDB-wire server, each behind a TCP proxy so a test can take
 * it away and bring it back.
 */
import { randomBytes } from "node:crypto";
import { MongoClient } from "mongodb";
import { localServers, serverAddress } from "../../core/local-servers.ts";
import { testSchema } from "../../stream/testing/harness.ts";
import { logger, type Stack } from "./suite.ts";
import { tcpProxy, type Proxy } from "./proxy.ts";
import { apiDataset, seedRealtime, seedWarehouse } from "./seeded.ts";
import { MongoWarehouse } from "../stores/mongo-warehouse.ts";
import { pgRealtime } from "../stores/realtime.ts";

const servers = localServers();

export interface FullStack extends Stack {
  /** The test schema's own URL (its search_path), straight to Postgres. */
  schemaUrl: string;
  pgProxy: Proxy;
  mongoProxy: Proxy;
}

export async function openFullStack(): Promise<FullStack> {
  const ds = await apiDataset();
  const schema = await testSchema(servers.databaseUrl, logger);
  await seedRealtime(schema.sql, ds, logger);
  const client = new MongoClient(servers.mongoUrl);
  await client.connect();
  const dbName = `api_${randomBytes(4).toString("hex")}`;
  const db = client.db(dbName);
  const seeded = await seedWarehouse(ds, { db }, logger);

  const pgProxy = await tcpProxy(serverAddress("postgres"));
  const mongoProxy = await tcpProxy(serverAddress("mongo"));
  const pgUrl = new URL(schema.url);
  pgUrl.host = `127.0.0.1:${pgProxy.port}`;
  const mongoUrl = new URL(servers.mongoUrl);
  mongoUrl.host = `127.0.0.1:${mongoProxy.port}`;
  mongoUrl.pathname = `/${dbName}`;
  const realtime = pgRealtime(pgUrl.toString(), logger, 4);
  const warehouse = MongoWarehouse.open(mongoUrl.toString());
  return {
    ds,
    sql: schema.sql,
    schemaUrl: schema.url,
    realtime,
    warehouse,
    seeded,
    pgProxy,
    mongoProxy,
    close: async () => {
      await realtime.close();
      await warehouse.close();
      await pgProxy.close();
      await mongoProxy.close();
      await db.dropDatabase();
      await client.close();
      await schema.drop();
    },
  };
}
