import { randomBytes } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { crc32 } from "node:zlib";
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

describe("S3Store uploads", () => {
  /**
   * A loopback stand-in for S3 that answers PutObject and the multipart calls and records what
   * each PUT carried: the bytes, and whether the checksum came in a trailer (aws-chunked).
   */
  async function recordingS3() {
    const puts: { url: string; sha256: string; trailer: string; crc32: string; body: Buffer }[] = [];
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const url = new URL(req.url!, "http://s3");
        if (req.method === "PUT") {
          puts.push({
            url: url.pathname + url.search,
            sha256: String(req.headers["x-amz-content-sha256"]),
            trailer: String(req.headers["x-amz-trailer"] ?? ""),
            crc32: String(req.headers["x-amz-checksum-crc32"] ?? ""),
            body: Buffer.concat(chunks),
          });
          res.writeHead(200, { ETag: `"${puts.length}"` }).end();
        } else if (req.method === "POST" && url.searchParams.has("uploads")) {
          res.writeHead(200, { "Content-Type": "application/xml" });
          res.end(
            `<InitiateMultipartUploadResult><Bucket>lakehouse</Bucket><Key>k</Key><UploadId>u1</UploadId></InitiateMultipartUploadResult>`,
          );
        } else if (req.method === "POST" && url.searchParams.get("uploadId") === "u1") {
          res.writeHead(200, { "Content-Type": "application/xml" });
          res.end(
            `<CompleteMultipartUploadResult><Bucket>lakehouse</Bucket><Key>k</Key><ETag>"done"</ETag></CompleteMultipartUploadResult>`,
          );
        } else res.writeHead(400).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const store = new S3Store(
      "lakehouse",
      "t",
      {
        endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        region: "us-east-1",
        accessKeyId: "k",
        secretAccessKey: "s",
        forcePathStyle: true,
      },
      createLogger({ level: "silent" }),
    );
    return { store, puts, close: () => new Promise((r) => server.close(r)) };
  }

  // MinIO's reader of checksum trailers loops forever on a connection that fails mid-request,
  // growing a buffer until the server is OOM-killed: no upload may use that encoding.
  it.each([
    ["a small file, one PUT", 3_000_000, 1],
    ["a file past the multipart threshold, in parts", 17 * 1024 * 1024 + 5, 3],
  ])("sends %s with its length and a CRC32 header, never aws-chunked", async (_what, size, count) => {
    const s3 = await recordingS3();
    try {
      const file = join(mkdtempSync(join(tmpdir(), "s3-store-")), "part.parquet");
      const bytes = randomBytes(size);
      writeFileSync(file, bytes);
      await s3.store.putFile("bronze/x/part.parquet", file);
      expect(s3.puts).toHaveLength(count);
      for (const put of s3.puts) {
        expect(put.sha256, put.url).not.toMatch(/STREAMING/);
        expect(put.trailer, put.url).toBe("");
        expect(Buffer.from(put.crc32, "base64").readUInt32BE(0)).toBe(crc32(put.body));
      }
      expect(Buffer.concat(s3.puts.map((p) => p.body)).equals(bytes)).toBe(true);
    } finally {
      await s3.store.close();
      await s3.close();
    }
  });
});
