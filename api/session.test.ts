import { describe, expect, it } from "vitest";
import { KeyRing, parseApiKeys } from "../core/api-keys.ts";
import { SESSION_HOURS, SessionSigner } from "./session.ts";

const ring = (text: string) => new KeyRing(parseApiKeys(text, "test"));

describe("overview sessions", () => {
  const keys = ring("grafana.ro:s3cr3t:realtime:read,ops:t0ps:ops:read");

  it("stands for the key it was issued for, with that key's scopes", () => {
    const signer = new SessionSigner(keys, "x".repeat(32));
    const session = signer.issue("s3cr3t")!;
    expect(session.token).not.toContain("s3cr3t");
    const who = signer.verify(session.token)!;
    expect(who.name).toBe("grafana.ro");
    expect([...who.scopes]).toEqual(["realtime:read"]);
    expect(signer.issue("wrong")).toBeUndefined();
  });

  it("refuses a forged, altered, foreign or expired cookie", () => {
    let now = Date.parse("2026-12-01T00:00:00Z");
    const signer = new SessionSigner(keys, "x".repeat(32), () => now);
    const { token } = signer.issue("s3cr3t")!;
    const [name, expires, fingerprint, mac] = token.split("~");
    expect(signer.verify(`ops~${expires}~${fingerprint}~${mac}`)).toBeUndefined();
    expect(signer.verify(`${name}~${Number(expires) + 3600}~${fingerprint}~${mac}`)).toBeUndefined();
    expect(signer.verify(token.slice(0, -2))).toBeUndefined();
    expect(signer.verify("garbage")).toBeUndefined();
    expect(signer.verify(undefined)).toBeUndefined();
    expect(new SessionSigner(keys, "y".repeat(32)).verify(token)).toBeUndefined();
    now += SESSION_HOURS * 3_600_000 - 1000;
    expect(signer.verify(token)?.name).toBe("grafana.ro");
    now += 1000;
    expect(signer.verify(token)).toBeUndefined();
  });

  it("ends when its key is removed or its secret rotated, across replicas sharing the secret", () => {
    const { token } = new SessionSigner(keys, "x".repeat(32)).issue("s3cr3t")!;
    expect(new SessionSigner(keys, "x".repeat(32)).verify(token)?.name).toBe("grafana.ro");
    expect(new SessionSigner(ring("ops:t0ps"), "x".repeat(32)).verify(token)).toBeUndefined();
    expect(
      new SessionSigner(ring("grafana.ro:n3w:realtime:read"), "x".repeat(32)).verify(token),
    ).toBeUndefined();
  });
});
