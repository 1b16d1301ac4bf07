import type { SessionRules } from "../operator.ts";

export type { SessionRules } from "../operator.ts";

export const DEFAULT_SESSION_RULES: SessionRules = { gapMs: 30 * 60_000, abandonAfterMs: 15 * 60_000 };
