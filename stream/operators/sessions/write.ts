import type { SqlClient } from "../../../core/db/sql.ts";
import { columnsOf, sqlFile } from "../operator.ts";

export interface SessionRow {
  sessionId: string;
  userId: string;
  start: number;
  end: number;
  pageViews: number;
  cartAdds: number;
  cartRemoves: number;
  cartUpdates: number;
  purchases: number;
  purchaseCents: number;
  abandoned: boolean;
}

export interface AbandonmentRow {
  sessionId: string;
  userId: string;
  lastCartActivity: number;
  abandonedAt: number;
  items: number;
  distinctProducts: number;
  valueCents: number;
}

/** The sessions closed and the carts found abandoned in one batch. */
export interface SessionsOutput {
  sessions: SessionRow[];
  abandonments: AbandonmentRow[];
}

const SESSIONS = sqlFile(new URL("./session_metrics.sql", import.meta.url));
const ABANDONED = sqlFile(new URL("./cart_abandonment.sql", import.meta.url));

const bySession = (a: { sessionId: string }, b: { sessionId: string }) =>
  a.sessionId < b.sessionId ? -1 : 1;

export async function writeSessions(tx: SqlClient, out: SessionsOutput): Promise<void> {
  if (out.sessions.length > 0) {
    const rows = [...out.sessions].sort(bySession);
    await tx.query(
      SESSIONS,
      columnsOf(rows, [
        "sessionId",
        "userId",
        "start",
        "end",
        "pageViews",
        "cartAdds",
        "cartRemoves",
        "cartUpdates",
        "purchases",
        "purchaseCents",
        "abandoned",
      ]),
    );
  }
  if (out.abandonments.length > 0) {
    const rows = [...out.abandonments].sort(bySession);
    await tx.query(
      ABANDONED,
      columnsOf(rows, [
        "sessionId",
        "userId",
        "lastCartActivity",
        "abandonedAt",
        "items",
        "distinctProducts",
        "valueCents",
      ]),
    );
  }
}
