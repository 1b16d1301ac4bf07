/**
 * The chaos run's fault schedule (issue 18), decided up front from a seed so a failing run can be
 * replayed exactly. Faults never overlap: each starts after the previous one has ended and the
 * pipeline has had `settleMs` to recover, so every recovery time belongs to one fault.
 */

export const PROCESSES = ["stream", "sink", "collector", "api", "batch"] as const;
export type ProcessName = (typeof PROCESSES)[number];
export const SERVERS = ["kafka", "postgres", "minio", "mongo"] as const;
export type ServerName = (typeof SERVERS)[number];

export type Fault =
  | { kind: "kill"; process: ProcessName }
  | { kind: "server-stop"; servers: ServerName[] }
  | { kind: "zombie" }
  | { kind: "lake-unwritable" };

export interface ScheduledFault {
  /** Milliseconds after the run started. */
  at: number;
  fault: Fault;
  /** How long a server stays down, a worker paused or the lake unwritable (0 for a kill). */
  holdMs: number;
}

export interface ScheduleOptions {
  seed: number;
  kills: number;
  /** How long a stopped server or unwritable lake lasts. */
  outageMs: number;
  /** How long a worker stays paused: past its Kafka session timeout. */
  pauseMs: number;
  /** Quiet time after each fault before the next. */
  settleMs: number;
  /** The first fault waits for the pipeline to warm up. */
  startMs: number;
}

/** mulberry32: small, seeded. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Describes a fault in a few words, for logs and the table. */
export function faultName(f: Fault): string {
  switch (f.kind) {
    case "kill":
      return `kill ${f.process}`;
    case "server-stop":
      return `stop ${f.servers.join("+")}`;
    case "zombie":
      return "zombie stream worker";
    case "lake-unwritable":
      return "lake unwritable";
  }
}

/**
 * Every fault kind at least once (each process killed, each server stopped alone, Postgres and
 * Kafka together, a zombie, an unwritable lake), then kills of random processes up to `kills`,
 * all shuffled with the seed.
 */
export function schedule(o: ScheduleOptions): ScheduledFault[] {
  const next = rng(o.seed);
  const faults: Fault[] = [
    ...SERVERS.map((s): Fault => ({ kind: "server-stop", servers: [s] })),
    { kind: "server-stop", servers: ["postgres", "kafka"] },
    { kind: "zombie" },
    { kind: "lake-unwritable" },
    ...PROCESSES.map((p): Fault => ({ kind: "kill", process: p })),
  ];
  for (let k = PROCESSES.length; k < o.kills; k++)
    faults.push({ kind: "kill", process: PROCESSES[Math.floor(next() * PROCESSES.length)]! });
  for (let i = faults.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [faults[i], faults[j]] = [faults[j]!, faults[i]!];
  }
  let at = o.startMs;
  return faults.map((fault) => {
    const holdMs = fault.kind === "kill" ? 0 : fault.kind === "zombie" ? o.pauseMs : o.outageMs;
    // Kills land at a random moment within their slot, not on a round second.
    const jitter = Math.floor(next() * o.settleMs * 0.5);
    const scheduled = { at: at + jitter, fault, holdMs };
    at += jitter + holdMs + o.settleMs;
    return scheduled;
  });
}

/** When the last fault's settle time ends. */
export function scheduleEnd(faults: readonly ScheduledFault[], settleMs: number): number {
  const last = faults.at(-1);
  return last ? last.at + last.holdMs + settleMs : 0;
}
