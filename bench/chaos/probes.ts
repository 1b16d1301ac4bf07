/**
 * What the chaos run watches while faults land: a steady read load on the API (every answer's
 * time, status and latency) and, once a second, how far the stream group (its offsets in
 * Postgres) and the lake sink (its offsets in Kafka) have got. A probe that cannot reach its
 * server records nothing new, so "progress" means the stage really moved.
 */
import type { KafkaAdmin } from "../../core/eventlog/kafka-admin.ts";
import type { Sql } from "../../core/db/sql.ts";

export interface ApiAnswer {
  at: number;
  route: string;
  /** 0: no HTTP answer at all (the API process was down). */
  status: number;
  ms: number;
}

export const API_ROUTES = [
  "/v1/realtime/sales/top",
  "/v1/realtime/anomalies",
  "/v1/realtime/inventory/alerts",
  "/v1/realtime/funnel",
  "/v1/warehouse/rfm/segments",
  "/v1/warehouse/daily-sales",
];

/** About `perSecond` GETs a second, one at a time per lane, until stopped. */
export function apiLoad(baseUrl: string, apiKey: string, perSecond: number, lanes = 4) {
  const answers: ApiAnswer[] = [];
  let stopped = false;
  let n = 0;
  const lane = async () => {
    while (!stopped) {
      const route = API_ROUTES[n++ % API_ROUTES.length]!;
      const start = performance.now();
      const at = Date.now();
      let status = 0;
      try {
        const res = await fetch(baseUrl + route, {
          headers: { "x-api-key": apiKey },
          signal: AbortSignal.timeout(10_000),
        });
        status = res.status;
        await res.arrayBuffer();
      } catch {
        // No answer at all (the API process was down): status stays 0.
      }
      const ms = performance.now() - start;
      answers.push({ at, route, status, ms });
      await new Promise((r) => setTimeout(r, Math.max(0, (lanes * 1000) / perSecond - ms)));
    }
  };
  const running = Promise.all(Array.from({ length: lanes }, lane));
  return {
    answers,
    stop: async () => {
      stopped = true;
      await running;
    },
  };
}

export interface ProgressSample {
  at: number;
  /** Records the stream group has committed (sum of next offsets), or undefined if unreadable. */
  stream?: number;
  /** Records the lake sink group has committed in Kafka. */
  sink?: number;
}

const within = <T>(p: Promise<T>, ms: number): Promise<T> =>
  Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error("timeout")), ms))]);

export function progressSampler(o: {
  sql: Sql;
  /**
   * A Kafka admin of its own, connected again after any failure: one that lived through a
   * broker restart could stay stuck and make the sink look stalled when only the probe was.
   */
  connectAdmin: () => Promise<KafkaAdmin>;
  streamGroup: string;
  sinkGroup: string;
  topics: readonly string[];
}) {
  const samples: ProgressSample[] = [];
  let admin: KafkaAdmin | undefined;
  const sinkOffsets = async () => {
    try {
      admin ??= await within(o.connectAdmin(), 2000);
      const offsets = await within(admin.groupOffsets(o.sinkGroup, o.topics), 2000);
      return offsets.reduce((sum, p) => sum + Math.max(0, p.offset), 0);
    } catch {
      const stale = admin;
      admin = undefined;
      void stale?.close().catch(() => {});
      return undefined;
    }
  };
  const sample = async (): Promise<ProgressSample> => {
    const s: ProgressSample = { at: Date.now() };
    await Promise.all([
      within(
        o.sql.query<{ n: string }>(
          "SELECT coalesce(sum(next_offset), 0) AS n FROM stream_offsets WHERE group_id = $1",
          [o.streamGroup],
        ),
        2000,
      )
        .then((r) => (s.stream = Number(r.rows[0]!.n)))
        .catch(() => {}),
      sinkOffsets().then((n) => {
        if (n !== undefined) s.sink = n;
      }),
    ]);
    return s;
  };
  let stopped = false;
  const running = (async () => {
    while (!stopped) {
      samples.push(await sample());
      await new Promise((r) => setTimeout(r, 1000));
    }
  })();
  return {
    samples,
    sample,
    stop: async () => {
      stopped = true;
      await running;
      await admin?.close().catch(() => {});
    },
  };
}

/**
 * How long after `from` a stage first moved: the first time its counter passed the last value
 * it had reached at `from` (undefined: it never moved again).
 */
export function recoveredAfter(
  samples: readonly ProgressSample[],
  stage: "stream" | "sink",
  from: number,
): number | undefined {
  let base: number | undefined;
  for (const s of samples) {
    const v = s[stage];
    if (v === undefined) continue;
    if (s.at <= from) base = v;
    else if (base === undefined) base = v;
    else if (v > base) return s.at - from;
  }
  return undefined;
}

/** The first time in `times` (sorted) after `from`, as a delay. */
export function firstAfter(times: readonly number[], from: number): number | undefined {
  const t = times.find((x) => x > from);
  return t === undefined ? undefined : t - from;
}
