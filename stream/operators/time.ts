/** Event-time units and windows, and money in integer cents (so sums are exact). */
export const MINUTE = 60_000;
export const HOUR = 3_600_000;
export const windowOf = (ms: number, size = MINUTE) => ms - (((ms % size) + size) % size);
export const cents = (amount: number) => Math.round(amount * 100);
