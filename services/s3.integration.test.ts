import { randomBytes, randomUUID } from "node:crypto";
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { localServers, requireServer } from "../core/local-servers.ts";

const up = await requireServer("s3");

describe.skipIf(!up)("s3 smoke: put, get, list, delete and multipart upload on MinIO", () => {
  const settings = localServers().s3;
  const s3 = new S3Client({ ...settings, credentials: settings });
  const Bucket = `smoke-${randomUUID()}`;

  beforeAll(async () => {
    await s3.send(new CreateBucketCommand({ Bucket }));
  });

  afterAll(async () => {
    const listed = await s3.send(new ListObjectsV2Command({ Bucket }));
    for (const o of listed.Contents ?? []) await s3.send(new DeleteObjectCommand({ Bucket, Key: o.Key }));
    await s3.send(new DeleteBucketCommand({ Bucket }));
    s3.destroy();
  });

  it("puts, gets, lists by prefix and deletes", async () => {
    const keys = [
      "bronze/t/dt=2026-11-21/hr=10/a.parquet",
      "bronze/t/dt=2026-11-21/hr=11/b.parquet",
      "gold/x.parquet",
    ];
    for (const Key of keys) await s3.send(new PutObjectCommand({ Bucket, Key, Body: `body of ${Key}` }));
    const got = await s3.send(new GetObjectCommand({ Bucket, Key: keys[0] }));
    expect(await got.Body!.transformToString()).toBe(`body of ${keys[0]}`);
    const listed = await s3.send(new ListObjectsV2Command({ Bucket, Prefix: "bronze/" }));
    expect((listed.Contents ?? []).map((o) => o.Key).sort()).toEqual(keys.slice(0, 2));
    await s3.send(new DeleteObjectCommand({ Bucket, Key: keys[2] }));
    await expect(s3.send(new HeadObjectCommand({ Bucket, Key: keys[2] }))).rejects.toMatchObject({
      name: "NotFound",
    });
  });

  it("uploads 12 MiB in three parts and reads back the same bytes", async () => {
    const body = randomBytes(12 * 1024 * 1024);
    const Key = "multipart/big.bin";
    const upload = new Upload({
      client: s3,
      params: { Bucket, Key, Body: body },
      partSize: 5 * 1024 * 1024,
      queueSize: 2,
    });
    const parts = new Set<number>();
    upload.on("httpUploadProgress", (p) => p.part !== undefined && parts.add(p.part));
    const result = await upload.done();
    expect(result.ETag).toMatch(/-3"$/); // a multipart ETag ends in -<number of parts>
    expect(parts.size).toBe(3);
    const got = await s3.send(new GetObjectCommand({ Bucket, Key }));
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(body)).toBe(true);
  });
});
