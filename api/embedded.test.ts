/** The API on the embedded default's stores: PGlite for the real-time layer, the DuckDB gold file. */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { migrate } from "../core/db/migrate.ts";
import { openPglite } from "../core/db/pglite-sql.ts";
import { apiSuite, logger } from "./testing/suite.ts";
import { apiDataset, seedRealtime, seedWarehouse } from "./testing/seeded.ts";
import { DuckDbWarehouse } from "./stores/duckdb-warehouse.ts";
import { pgliteRealtime } from "./stores/realtime.ts";

apiSuite("the API on PGlite and the DuckDB warehouse", true, async () => {
  const ds = await apiDataset();
  const { sql } = await openPglite();
  await migrate(sql, logger);
  await seedRealtime(sql, ds, logger);
  const dir = mkdtempSync(join(tmpdir(), "api-wh-"));
  const target = { duckdbPath: join(dir, "gold.duckdb"), historyFile: join(dir, "batch_runs.ndjson") };
  const seeded = await seedWarehouse(ds, target, logger);
  const warehouse = new DuckDbWarehouse(target.duckdbPath, target.historyFile);
  return {
    ds,
    sql,
    realtime: pgliteRealtime(sql),
    warehouse,
    seeded,
    close: async () => {
      await warehouse.close();
      await sql.close();
    },
  };
});
