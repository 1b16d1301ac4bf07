export interface SessionRules {
  /** Inactivity that ends a session. */
  gapMs: number;
  /** Cart inactivity after which items left in it count as abandoned. */
  abandonAfterMs: number;
}

export const DEFAULT_SESSION_RULES: SessionRules = { gapMs: 30 * 60_000, abandonAfterMs: 15 * 60_000 };
