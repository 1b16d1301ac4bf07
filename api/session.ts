/**
 * Sessions for the overview page. A browser trades an API key once (POST /v1/session) for an
 * HttpOnly cookie, so no key sits in the page's HTML, script or storage. The cookie is
 * stateless: the key's name, an expiry, a fingerprint of the key's digest, and an HMAC over
 * them. The fingerprint ends a session when its key is removed or rotated, and a shared
 * API_SESSION_SECRET lets several API replicas accept each other's cookies.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { FastifyRequest } from "fastify";
import type { Identity, KeyRing } from "../core/api-keys.ts";

export const SESSION_COOKIE = "lakehouse_session";

/**
 * The session cookie of a request, parsed only when asked: most requests carry a key and no
 * cookie, so the cookie plugin's parse-every-request hook is off (server.ts).
 */
export function sessionToken(req: FastifyRequest): string | undefined {
  const header = req.headers.cookie;
  return header === undefined ? undefined : req.server.parseCookie(header)[SESSION_COOKIE];
}
export const SESSION_HOURS = 12;

export class SessionSigner {
  private readonly secret: Buffer;

  constructor(
    private readonly keys: KeyRing,
    secret: string | undefined,
    private readonly now: () => number = Date.now,
  ) {
    this.secret = secret === undefined ? randomBytes(32) : Buffer.from(secret, "utf8");
  }

  /** A cookie value for the key `secret`, or undefined when it is no key of the ring. */
  issue(secret: string): { token: string; identity: Identity; maxAgeSeconds: number } | undefined {
    const identity = this.keys.identify(secret);
    if (!identity) return undefined;
    const expires = Math.floor(this.now() / 1000) + SESSION_HOURS * 3600;
    const body = [identity.name, expires, this.keys.fingerprint(identity.name)].join("~");
    return { token: `${body}~${this.mac(body)}`, identity, maxAgeSeconds: SESSION_HOURS * 3600 };
  }

  /** The identity a cookie value stands for, or undefined (forged, expired, or its key is gone). */
  verify(token: string | undefined): Identity | undefined {
    if (token === undefined || token.length > 512) return undefined;
    const cut = token.lastIndexOf("~");
    if (cut < 0) return undefined;
    const body = token.slice(0, cut);
    const given = Buffer.from(token.slice(cut + 1), "base64url");
    const expected = Buffer.from(this.mac(body), "base64url");
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    const [name, expires, fingerprint] = body.split("~");
    if (name === undefined || fingerprint === undefined || Number(expires) * 1000 <= this.now())
      return undefined;
    if (this.keys.fingerprint(name) !== fingerprint) return undefined;
    return this.keys.named(name);
  }

  private mac(body: string): string {
    return createHmac("sha256", this.secret).update(body).digest("base64url");
  }
}
