/**
 * Transaction anomalies (core/anomaly-rules.ts), per user, in the order of the user's
 * partition. Single-transaction rules look at the transaction alone; the window rules look at
 * the user's recent transactions and flag every member of a qualifying run, so a run that
 * grows re-flags its earlier members with a higher score (rows are upserts keeping the
 * highest score). The outlier rule compares with the user's whole history (Welford's running
 * mean and variance), not just the window.
 */
import { RULES, type AnomalyType } from "../../../core/anomaly-rules.ts";
import type { Transaction } from "../../../core/events/schemas.ts";
import { keepFrom, type Operator } from "../operator.ts";
import type { Keyed } from "../state.ts";
import { cents } from "../time.ts";
import { writeAnomalies, type AnomaliesOutput, type AnomalyRow } from "./write.ts";

export interface UserHistory {
  /** Earlier payments: count, mean and sum of squared deviations (Welford), in cents. */
  n: number;
  mean: number;
  m2: number;
  /** Recent transactions, oldest first: [event time, cents, transaction id]. */
  recent: [number, number, string][];
}

const RECENT_MS = Math.max(RULES.rapidWindowMs, RULES.velocityWindowMs);
const money = (c: number) => (c / 100).toFixed(2);

type Recent = UserHistory["recent"];

/**
 * Members of the run ending at index `j`: every transaction less than `ms` before it that
 * passes `eligible`. Returns the first index of the run and its count and sum.
 */
function runEndingAt(recent: Recent, j: number, ms: number, eligible: (c: number) => boolean) {
  const end = recent[j]![0];
  let count = 0;
  let sum = 0;
  let first = j;
  for (let i = j; i >= 0 && end - recent[i]![0] < ms; i--) {
    if (!eligible(recent[i]![1])) continue;
    count++;
    sum += recent[i]![1];
    first = i;
  }
  return { first, count, sum };
}

/** A rule over a user's recent transactions: which count, over what window, when it fires. */
interface RunRule {
  type: AnomalyType;
  ms: number;
  eligible: (cents: number) => boolean;
  qualifies: (count: number, sum: number) => boolean;
  score: (count: number, sum: number) => number;
  describe: (count: number, sum: number) => string;
}

const any = () => true;
const tiny = (c: number) => c < RULES.tinyAmount * 100;

/** Built once: the window rules are checked for every transaction (the hot path). */
const RUN_RULES: readonly RunRule[] = [
  {
    type: "rapid_transactions",
    ms: RULES.rapidWindowMs,
    eligible: any,
    qualifies: (n) => n >= RULES.rapidCount,
    score: (n) => n / RULES.rapidCount,
    describe: (n) => `${n} transactions within ${RULES.rapidWindowMs / 1000} s`,
  },
  {
    type: "card_testing",
    ms: RULES.velocityWindowMs,
    eligible: tiny,
    qualifies: (n) => n >= RULES.cardTestingCount,
    score: (n) => n / RULES.cardTestingCount,
    describe: (n, sum) =>
      `${n} payments under ${RULES.tinyAmount} (together ${money(sum)}) within ${RULES.velocityWindowMs / 60_000} minutes`,
  },
  {
    type: "velocity_amount",
    ms: RULES.velocityWindowMs,
    eligible: any,
    qualifies: (n, sum) => n >= 2 && sum > RULES.velocitySum * 100,
    score: (_n, sum) => sum / (RULES.velocitySum * 100),
    describe: (n, sum) =>
      `${n} payments totalling ${money(sum)} within ${RULES.velocityWindowMs / 60_000} minutes`,
  },
];

function flagRun(out: AnomaliesOutput, userId: string, recent: Recent, j: number, rule: RunRule): void {
  if (!rule.eligible(recent[j]![1])) return;
  const run = runEndingAt(recent, j, rule.ms, rule.eligible);
  if (!rule.qualifies(run.count, run.sum)) return;
  const description = rule.describe(run.count, run.sum);
  const score = rule.score(run.count, run.sum);
  for (let i = run.first; i <= j; i++) {
    const [time, c, id] = recent[i]!;
    if (!rule.eligible(c)) continue;
    flag(out, {
      transactionId: id,
      type: rule.type,
      userId,
      eventTime: time,
      amountCents: c,
      score,
      description,
    });
  }
}

/** Keeps the highest-scoring version of an anomaly row (a growing run re-flags members). */
function flag(out: AnomaliesOutput, row: AnomalyRow): void {
  const key = `${row.transactionId}|${row.type}`;
  const prior = out.get(key);
  if (!prior || row.score > prior.score) out.set(key, row);
}

export function detectAnomalies(
  out: AnomaliesOutput,
  users: Keyed<UserHistory>,
  tx: Transaction,
  time: number,
  latenessMs: number,
): void {
  const amount = cents(tx.total_amount);
  const base = { transactionId: tx.transaction_id, userId: tx.user_id, eventTime: time, amountCents: amount };

  if (tx.total_amount > RULES.highValue) {
    flag(out, {
      ...base,
      type: "high_value",
      score: tx.total_amount / RULES.highValue,
      description: `order of ${money(amount)} is above ${RULES.highValue}`,
    });
  }
  let maxQuantity = 0;
  for (const item of tx.products) maxQuantity = Math.max(maxQuantity, item.quantity);
  if (maxQuantity > RULES.unusualQuantity) {
    flag(out, {
      ...base,
      type: "unusual_quantity",
      score: maxQuantity / RULES.unusualQuantity,
      description: `${maxQuantity} units of one product (more than ${RULES.unusualQuantity})`,
    });
  }

  const h: UserHistory = users.get(tx.user_id) ?? { n: 0, mean: 0, m2: 0, recent: [] };
  if (h.n >= RULES.outlierMinHistory) {
    const std = Math.sqrt(h.m2 / h.n);
    if (amount > h.mean + RULES.outlierSigmas * std && amount >= RULES.outlierRatio * h.mean) {
      const sigmas = std > 0 ? (amount - h.mean) / std : Infinity;
      flag(out, {
        ...base,
        type: "statistical_outlier",
        score: Number.isFinite(sigmas) ? sigmas : amount / h.mean,
        description: `${money(amount)} against this user's mean of ${money(h.mean)} over ${h.n} payments (${Number.isFinite(sigmas) ? `${sigmas.toFixed(1)} standard deviations` : "no variation before"})`,
      });
    }
  }
  // Welford: the running mean and variance of every earlier payment, in constant space.
  h.n += 1;
  const delta = amount - h.mean;
  h.mean += delta / h.n;
  h.m2 += delta * (amount - h.mean);

  // Keep the recent list sorted by event time; a late transaction lands in its place, and the
  // runs ending at it and after it are re-examined.
  const recent = h.recent;
  let at = recent.length;
  while (at > 0 && recent[at - 1]![0] > time) at--;
  recent.splice(at, 0, [time, amount, tx.transaction_id]);
  for (let j = at; j < recent.length; j++)
    for (const rule of RUN_RULES) flagRun(out, tx.user_id, recent, j, rule);
  // A transaction up to the lateness older than the newest may still arrive and join a run with
  // anything up to the longest window before it; older entries can never matter again.
  const horizon = recent[recent.length - 1]![0] - RECENT_MS - latenessMs;
  let drop = 0;
  while (drop < recent.length && recent[drop]![0] <= horizon) drop++;
  if (drop > 0) recent.splice(0, drop);
  users.set(tx.user_id, h);
}

export const anomalies: Operator<AnomaliesOutput, UserHistory> = {
  name: "anomalies",
  namespace: "user",
  output: () => new Map(),
  on: {
    transactions({ out, state, latenessMs }, tx, time) {
      detectAnomalies(out, state, tx, time, latenessMs);
    },
  },
  merge(into, from) {
    for (const row of from.values()) flag(into, row);
  },
  since: (out, since) => keepFrom(out, (_, a) => a.eventTime, since),
  rows: (out) => out.size,
  write: writeAnomalies,
};
