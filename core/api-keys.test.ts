import { describe, expect, it } from "vitest";
import { KeyRing, parseApiKeys, presentedKey, SCOPES } from "./api-keys.ts";

describe("parseApiKeys", () => {
  it("reads name:secret and name:secret:scope+scope, all scopes when none is given", () => {
    expect(
      parseApiKeys("a:one, b:two:ops:read\n# comment\nc:three:realtime:read+warehouse:read", "API_KEYS"),
    ).toEqual([
      { name: "a", secret: "one", scopes: [...SCOPES] },
      { name: "b", secret: "two", scopes: ["ops:read"] },
      { name: "c", secret: "three", scopes: ["realtime:read", "warehouse:read"] },
    ]);
  });

  it("names every bad entry and never echoes a secret", () => {
    const parse = () => parseApiKeys("nocolon,x:hunter2:admin:all,y:a,y:b", "API_KEYS");
    expect(parse).toThrow(/entry 1: expected name:secret/);
    expect(parse).toThrow(/key "x": unknown scope admin:all/);
    expect(parse).toThrow(/key "y" is given twice/);
    expect(parse).not.toThrow(/hunter2/);
    expect(() => parseApiKeys(" , ", "API_KEYS")).toThrow(/no keys/);
  });
});

describe("KeyRing", () => {
  const ring = new KeyRing(parseApiKeys("grafana:s3cr3t:realtime:read,ops:t0ps:ops:read", "API_KEYS"));

  it("identifies a key by its secret, with its scopes", () => {
    expect(ring.identify("s3cr3t")).toMatchObject({ name: "grafana" });
    expect([...ring.identify("t0ps")!.scopes]).toEqual(["ops:read"]);
    expect(ring.identify("s3cr3")).toBeUndefined();
    expect(ring.identify("")).toBeUndefined();
  });

  it("keeps no secret in memory, only digests", () => {
    expect(JSON.stringify(ring)).not.toContain("s3cr3t");
  });

  it("takes the configured keys, or generates one and says so", () => {
    expect(KeyRing.fromConfig(parseApiKeys("a:one", "API_KEYS")).generated).toBeUndefined();
    const { ring: dev, generated } = KeyRing.fromConfig(undefined);
    expect(dev.identify(generated!)).toMatchObject({ name: "dev" });
  });

  it("generates a development key with every scope", () => {
    const { ring: dev, secret } = KeyRing.development();
    expect(secret.length).toBeGreaterThanOrEqual(32);
    expect([...dev.identify(secret)!.scopes]).toEqual([...SCOPES]);
  });
});

describe("presentedKey", () => {
  it("takes X-API-Key, else a Bearer token", () => {
    expect(presentedKey({ "x-api-key": "k" })).toBe("k");
    expect(presentedKey({ authorization: "Bearer t" })).toBe("t");
    expect(presentedKey({ authorization: "Basic t" })).toBeUndefined();
    expect(presentedKey({})).toBeUndefined();
  });
});
