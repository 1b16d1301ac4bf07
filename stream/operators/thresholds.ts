/** Stock levels that raise a low-stock alert when crossed (SPEC section 4). */
export const LOW_STOCK_LEVELS = [
  { level: "low", threshold: 10 },
  { level: "critical", threshold: 5 },
] as const;
