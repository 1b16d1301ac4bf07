import type { SqlClient } from "../../../core/db/sql.ts";
import { columnsOf, sortedValues, sqlFile } from "../operator.ts";

export interface RefundReasonDelta {
  hour: number;
  reason: string;
  refunds: number;
  cents: number;
}

/** `<hour>|<reason>` -> the batch's delta. */
export type RefundReasonsOutput = Map<string, RefundReasonDelta>;

const ADD = sqlFile(new URL("./refund_reasons_hourly.sql", import.meta.url));

export async function writeRefundReasons(tx: SqlClient, out: RefundReasonsOutput): Promise<void> {
  if (out.size === 0) return;
  const rows = sortedValues(out);
  await tx.query(ADD, columnsOf(rows, ["hour", "reason", "refunds", "cents"]));
}
