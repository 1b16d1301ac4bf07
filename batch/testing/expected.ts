/**
 * RFM computed the plain way, in TypeScript, from the transactions themselves: what the batch
 * tests compare the SQL models against. Each customer's line is
 * `recency_days|frequency|monetary cents|R|F|M|segment`.
 */
export interface Tx {
  transaction_id: string;
  user_id: string;
  timestamp: string;
  total_amount: number;
  country: string;
  products: { product_id: string; quantity: number; price: number }[];
}

export const cents = (x: number) => Math.round(x * 100);
export const day = (iso: string) => iso.slice(0, 10);

/** RFM as specified: quintile of the customer's rank, ties sharing the lower score. */
export function expectedRfm(txs: Tx[], snapshot: string): Map<string, string> {
  const byUser = new Map<string, { last: string; frequency: number; monetary: number }>();
  for (const t of txs) {
    const u = byUser.get(t.user_id) ?? { last: "", frequency: 0, monetary: 0 };
    u.last = t.timestamp > u.last ? t.timestamp : u.last;
    u.frequency += 1;
    u.monetary += cents(t.total_amount);
    byUser.set(t.user_id, u);
  }
  const users = [...byUser];
  const n = users.length;
  const score = (value: (u: (typeof users)[number][1]) => number | string) => {
    const sorted = users.map(([, u]) => value(u)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    // The rank is the first position of the value (ties share the lower score): a binary
    // search, so a chaos run's hundred thousand customers take milliseconds, not minutes.
    const firstAt = (v: number | string) => {
      let lo = 0;
      let hi = sorted.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (sorted[mid]! < v) lo = mid + 1;
        else hi = mid;
      }
      return lo;
    };
    return (u: (typeof users)[number][1]) => {
      const rank = firstAt(value(u)) + 1;
      return Math.min(5, 1 + Math.floor((5 * (rank - 1)) / n));
    };
  };
  const r = score((u) => u.last);
  const f = score((u) => u.frequency);
  const m = score((u) => u.monetary);
  const segment = (rs: number, fs: number) => {
    if (rs === 5 && fs >= 4) return "Champions";
    if (rs === 5 && fs === 1) return "New Customers";
    if (rs === 4 && fs === 1) return "Promising";
    if (rs >= 4 && fs <= 3) return "Potential Loyalists";
    if (rs >= 3 && fs >= 4) return "Loyal Customers";
    if (rs === 3 && fs === 3) return "Need Attention";
    if (rs === 3) return "About to Sleep";
    if (fs === 5) return "Can't Lose Them";
    if (fs >= 3) return "At Risk";
    return "Hibernating";
  };
  const recency = (last: string) => (Date.parse(snapshot) - Date.parse(day(last))) / 86_400_000;
  return new Map(
    users.map(([id, u]) => [
      id,
      `${recency(u.last)}|${u.frequency}|${u.monetary}|${r(u)}|${f(u)}|${m(u)}|${segment(r(u), f(u))}`,
    ]),
  );
}
