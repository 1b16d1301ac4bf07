import type { SqlClient } from "../../../core/db/sql.ts";
import { sqlFile } from "../operator.ts";

/** Minute (ms) -> refunds and cents refunded in this batch. */
export type RefundsOutput = Map<number, { refunds: number; cents: number }>;

const ADD = sqlFile(new URL("./refund_metrics.sql", import.meta.url));

export async function writeRefunds(tx: SqlClient, out: RefundsOutput): Promise<void> {
  if (out.size === 0) return;
  const keys = [...out.keys()].sort((a, b) => a - b);
  const r = keys.map((k) => out.get(k)!);
  await tx.query(ADD, [keys, r.map((x) => x.refunds), r.map((x) => x.cents)]);
}
