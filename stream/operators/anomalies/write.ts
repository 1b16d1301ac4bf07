import type { AnomalyType } from "../../../core/anomaly-rules.ts";
import type { SqlClient } from "../../../core/db/sql.ts";
import { columnsOf, sortedValues, sqlFile } from "../operator.ts";

export interface AnomalyRow {
  transactionId: string;
  type: AnomalyType;
  userId: string;
  eventTime: number;
  amountCents: number;
  score: number;
  description: string;
}

/** `<transaction id>|<type>` -> its highest-scoring row in this batch. */
export type AnomaliesOutput = Map<string, AnomalyRow>;

const UPSERT = sqlFile(new URL("./transaction_anomalies.sql", import.meta.url));

export async function writeAnomalies(tx: SqlClient, out: AnomaliesOutput): Promise<void> {
  if (out.size === 0) return;
  const rows = sortedValues(out);
  await tx.query(
    UPSERT,
    columnsOf(rows, ["transactionId", "type", "userId", "eventTime", "amountCents", "score", "description"]),
  );
}
