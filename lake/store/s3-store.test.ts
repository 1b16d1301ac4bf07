import { describe, expect, it } from "vitest";
import { isRetriable } from "../../core/errors.ts";
import { createLogger } from "../../core/logger.ts";
import { accessDenied, S3Store } from "./s3-store.ts";

describe("S3 access denied", () => {
  it("is recognised in the shapes the AWS SDK throws, and stays non-retriable for reads", () => {
    const sdk = Object.assign(new Error("Access Denied."), {
      name: "AccessDenied",
      $metadata: { httpStatusCode: 403 },
    });
    expect(accessDenied(sdk)).toBe(true);
    expect(accessDenied({ $metadata: { httpStatusCode: 403 } })).toBe(true);
    expect(accessDenied({ $metadata: { httpStatusCode: 404 } })).toBe(false);
    expect(accessDenied(null)).toBe(false);
    // Only writes wait it out (S3Store.write); anything else still fails at once.
    expect(isRetriable(sdk)).toBe(false);
  });
});

describe("S3Store writes while the bucket refuses them", () => {
  const denied = () =>
    Object.assign(new Error("Access Denied."), { name: "AccessDenied", $metadata: { httpStatusCode: 403 } });

  /** A store whose client answers 403 `times` times, then succeeds. */
  function storeDenying(times: number) {
    const store = new S3Store(
      "lakehouse",
      "t",
      {
        endpoint: "http://127.0.0.1:1",
        region: "us-east-1",
        accessKeyId: "k",
        secretAccessKey: "s",
        forcePathStyle: true,
      },
      createLogger({ level: "silent" }),
    );
    let calls = 0;
    (store as unknown as { client: { send: () => Promise<unknown> } }).client = {
      send: () => (++calls <= times ? Promise.reject(denied()) : Promise.resolve({ Contents: [] })),
    };
    return { store, calls: () => calls };
  }

  it("waits out a write refused for a while (the unwritable-lake fault): the sink does not fail", async () => {
    const { store, calls } = storeDenying(2);
    await store.putBytes("bronze/x.json", "{}");
    expect(calls()).toBe(3);
  });

  it("waits out a delete whose objects were refused (DeleteObjects answers 200 with errors)", async () => {
    const { store, calls } = storeDenying(0);
    let answers = 0;
    (store as unknown as { client: { send: () => Promise<unknown> } }).client = {
      send: () =>
        Promise.resolve(
          ++answers === 1
            ? { Errors: [{ Key: "t/a", Code: "AccessDenied", Message: "Access Denied." }] }
            : {},
        ),
    };
    await store.delete(["a"]);
    expect(answers).toBe(2);
    expect(calls()).toBe(0);
  });

  it("does not wait on a read refused: a wrong key fails at once", async () => {
    const { store, calls } = storeDenying(1);
    await expect(store.list("bronze/")).rejects.toThrow(/Access Denied/);
    expect(calls()).toBe(1);
  });
});
