import type { SqlClient } from "../../../core/db/sql.ts";
import { columnsOf, sortedValues, sqlFile } from "../operator.ts";

export interface PaymentDelta {
  window: number;
  method: string;
  transactions: number;
  cents: number;
}

/** `<window>|<method>` -> the batch's delta. */
export type PaymentsOutput = Map<string, PaymentDelta>;

const ADD = sqlFile(new URL("./payment_metrics.sql", import.meta.url));

export async function writePayments(tx: SqlClient, out: PaymentsOutput): Promise<void> {
  if (out.size === 0) return;
  const rows = sortedValues(out);
  await tx.query(ADD, columnsOf(rows, ["window", "method", "transactions", "cents"]));
}
