/**
 * API keys (SPEC section 9), shared by the REST API and the HTTP collector. `API_KEYS` holds
 * comma-separated `name:secret` or `name:secret:scope+scope` entries (a file of such lines in
 * `API_KEYS_FILE`). Only SHA-256 digests of the secrets stay in memory, and a presented key is
 * compared against every digest in constant time, so neither a heap dump nor response timing
 * gives a key away.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { LakehouseError } from "./errors.ts";

/**
 * The read scopes of SPEC section 9, plus `events:write` for the collector: a dashboard's
 * read key must not be able to inject events. An entry without scopes gets all of them.
 */
export const SCOPES = ["realtime:read", "warehouse:read", "ops:read", "events:write"] as const;
export type Scope = (typeof SCOPES)[number];

export interface ApiKeyEntry {
  name: string;
  secret: string;
  scopes: Scope[];
}

/** Parses `API_KEYS` text (entries split by commas or new lines; `#` starts a comment line). */
export function parseApiKeys(text: string, source: string): ApiKeyEntry[] {
  const problems: string[] = [];
  const entries: ApiKeyEntry[] = [];
  const names = new Set<string>();
  const items = text
    .split(/[,\n]/)
    .map((s) => s.trim())
    .filter((s) => s !== "" && !s.startsWith("#"));
  items.forEach((item, i) => {
    const [name, secret, scopeText, ...rest] = item.split(":");
    // A scope itself contains a colon (realtime:read), so the third part onwards is the scope list.
    const scopeList = [scopeText, ...rest].filter((s) => s !== undefined).join(":");
    if (!name || !secret || !/^[\w.-]+$/.test(name)) {
      problems.push(`entry ${i + 1}: expected name:secret or name:secret:scope+scope`);
      return;
    }
    const scopes = scopeList === "" ? [...SCOPES] : scopeList.split("+");
    const unknown = scopes.filter((s) => !(SCOPES as readonly string[]).includes(s));
    if (unknown.length > 0) {
      problems.push(`key "${name}": unknown scope ${unknown.join(", ")} (known: ${SCOPES.join(", ")})`);
      return;
    }
    if (names.has(name)) problems.push(`key "${name}" is given twice`);
    names.add(name);
    entries.push({ name, secret, scopes: scopes as Scope[] });
  });
  if (problems.length > 0)
    throw new LakehouseError("CONFIG_INVALID", `${source}: ${problems.join("; ")}`, {
      context: { problems },
    });
  if (entries.length === 0) throw new LakehouseError("CONFIG_INVALID", `${source}: no keys`);
  return entries;
}

export interface Identity {
  name: string;
  scopes: ReadonlySet<Scope>;
}

const digest = (secret: string) => createHash("sha256").update(secret, "utf8").digest();

export class KeyRing {
  private readonly keys: { digest: Buffer; identity: Identity }[];

  constructor(entries: readonly ApiKeyEntry[]) {
    this.keys = entries.map((e) => ({
      digest: digest(e.secret),
      identity: { name: e.name, scopes: new Set(e.scopes) },
    }));
  }

  /**
   * The configured keys, or (SPEC section 2: no API_KEYS) one random development key with every
   * scope, whose secret the caller prints once.
   */
  static fromConfig(entries: readonly ApiKeyEntry[] | undefined): { ring: KeyRing; generated?: string } {
    if (entries) return { ring: new KeyRing(entries) };
    const { ring, secret } = KeyRing.development();
    return { ring, generated: secret };
  }

  /** A ring with one random development key holding every scope, and that key's secret. */
  static development(): { ring: KeyRing; secret: string } {
    const secret = randomBytes(24).toString("base64url");
    return { ring: new KeyRing([{ name: "dev", secret, scopes: [...SCOPES] }]), secret };
  }

  get size(): number {
    return this.keys.length;
  }

  /** The identity of the key called `name`, if the ring holds it. */
  named(name: string): Identity | undefined {
    return this.keys.find((k) => k.identity.name === name)?.identity;
  }

  /**
   * A short digest of the key called `name`'s secret (not reversible, not enough to
   * authenticate): a session cookie carries it so that rotating the secret ends the session.
   */
  fingerprint(name: string): string | undefined {
    const key = this.keys.find((k) => k.identity.name === name);
    return key && createHash("sha256").update(key.digest).digest("base64url").slice(0, 16);
  }

  /** The key's identity, or undefined. Every digest is compared, whichever matches. */
  identify(secret: string): Identity | undefined {
    const candidate = digest(secret);
    let found: Identity | undefined;
    for (const key of this.keys) if (timingSafeEqual(key.digest, candidate)) found = key.identity;
    return found;
  }
}

/** The secret a request presents: `X-API-Key`, or `Authorization: Bearer`. */
export function presentedKey(headers: Record<string, string | string[] | undefined>): string | undefined {
  const header = headers["x-api-key"];
  if (typeof header === "string" && header !== "") return header;
  const auth = headers.authorization;
  return typeof auth === "string" && /^Bearer /i.test(auth) && auth.length > 7 ? auth.slice(7) : undefined;
}
