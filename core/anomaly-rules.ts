/**
 * The transaction anomaly rules: the stream layer detects them (stream/operators/anomalies/anomalies.ts)
 * and the generator plants episodes shaped to trip exactly one of them
 * (ingest/generator/anomalies.ts), so both read the thresholds from here.
 *
 * - high_value: one order above 5000.
 * - unusual_quantity: one item with quantity above 10.
 * - rapid_transactions: 5 or more transactions by one user within 60 s.
 * - card_testing: 5 or more tiny payments (under 5.00) by one user within 5 minutes.
 * - velocity_amount: 2 or more payments by one user within 5 minutes summing above 10000.
 * - statistical_outlier: with 5 or more earlier payments, an amount more than 4 standard
 *   deviations above the user's mean and at least 10 times it.
 *
 * "Within" a window means the first and last transaction are less than the window apart;
 * every member of a qualifying run is flagged.
 */
export const ANOMALY_TYPES = [
  "high_value",
  "unusual_quantity",
  "rapid_transactions",
  "card_testing",
  "velocity_amount",
  "statistical_outlier",
] as const;
export type AnomalyType = (typeof ANOMALY_TYPES)[number];

export const RULES = {
  highValue: 5000,
  unusualQuantity: 10,
  rapidCount: 5,
  rapidWindowMs: 60_000,
  tinyAmount: 5,
  cardTestingCount: 5,
  velocityWindowMs: 5 * 60_000,
  velocitySum: 10_000,
  outlierMinHistory: 5,
  outlierSigmas: 4,
  outlierRatio: 10,
} as const;
