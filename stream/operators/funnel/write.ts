import type { SqlClient } from "../../../core/db/sql.ts";
import { sqlFile } from "../operator.ts";

export interface FunnelCounts {
  views: number;
  cartAdds: number;
  purchases: number;
}

/** Minute (ms) -> its counts in this batch. */
export type FunnelOutput = Map<number, FunnelCounts>;

const ADD = sqlFile(new URL("./funnel_metrics.sql", import.meta.url));
const RATES = sqlFile(new URL("./funnel_rates.sql", import.meta.url));

export async function writeFunnel(tx: SqlClient, out: FunnelOutput): Promise<void> {
  if (out.size === 0) return;
  const keys = [...out.keys()].sort((a, b) => a - b);
  const f = keys.map((k) => out.get(k)!);
  await tx.query(ADD, [keys, f.map((x) => x.views), f.map((x) => x.cartAdds), f.map((x) => x.purchases)]);
  await tx.query(RATES, [keys]);
}
