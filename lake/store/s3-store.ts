/**
 * The lake in S3 or MinIO. Single PUTs are atomic in S3; files over the multipart threshold go
 * through lib-storage's parallel multipart upload, which S3 also makes visible only when
 * complete. Every call waits out an unreachable endpoint with logged backoff (the SDK's own
 * retries cover single hiccups), so a worker outlives a MinIO restart.
 */
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, readFile, rename, rm, stat } from "node:fs/promises";
import { dirname, join, basename } from "node:path";
import { pipeline } from "node:stream/promises";
import type { Readable } from "node:stream";
import { randomBytes } from "node:crypto";
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import type { S3Settings } from "../../core/config.ts";
import type { Logger } from "../../core/logger.ts";
import { isRetriable } from "../../core/errors.ts";
import { retry } from "../../core/retry.ts";
import type { ObjectInfo, ObjectStore } from "./port.ts";

const MULTIPART_THRESHOLD = 16 * 1024 * 1024;
const DENIED_PATIENCE_MS = 5 * 60_000;

/** S3's (and MinIO's) answer to a write it will not take: 403 AccessDenied. */
export function accessDenied(err: unknown): boolean {
  const e = err as { name?: string; Code?: string; $metadata?: { httpStatusCode?: number } } | null;
  return e?.name === "AccessDenied" || e?.Code === "AccessDenied" || e?.$metadata?.httpStatusCode === 403;
}
const PART_SIZE = 8 * 1024 * 1024;

export class S3Store implements ObjectStore {
  readonly uri: string;
  private readonly client: S3Client;
  private readonly root: string;
  private readonly what: string;

  constructor(
    private readonly bucket: string,
    prefix: string,
    settings: S3Settings,
    private readonly logger: Logger,
    private readonly signal?: AbortSignal,
  ) {
    this.root = prefix === "" ? "" : `${prefix}/`;
    this.uri = `s3://${bucket}${prefix === "" ? "" : `/${prefix}`}`;
    this.what = `s3 at ${settings.endpoint ?? "aws"} (bucket ${bucket})`;
    this.client = new S3Client({
      endpoint: settings.endpoint,
      region: settings.region,
      forcePathStyle: settings.forcePathStyle,
      credentials:
        settings.accessKeyId && settings.secretAccessKey
          ? { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey }
          : undefined,
      maxAttempts: 3,
    });
  }

  private call<T>(fn: () => Promise<T>): Promise<T> {
    return retry(fn, { what: this.what, logger: this.logger, signal: this.signal, maxDelayMs: 10_000 });
  }

  /**
   * A write also waits out "access denied" for a while: a bucket made read-only for a moment (a
   * policy being changed, a full or frozen volume behind MinIO) must not make the sink fail and
   * exhaust its restarts. Past `DENIED_PATIENCE_MS` it is a misconfiguration and fails.
   */
  private write<T>(fn: () => Promise<T>): Promise<T> {
    const until = Date.now() + DENIED_PATIENCE_MS;
    return retry(fn, {
      what: this.what,
      logger: this.logger,
      signal: this.signal,
      maxDelayMs: 10_000,
      retriable: (err) => isRetriable(err) || (accessDenied(err) && Date.now() < until),
    });
  }

  localPath(): undefined {
    return undefined;
  }

  /**
   * Every body goes out as a Buffer, never a stream: the SDK sends a stream with its checksum
   * in a trailer (aws-chunked, STREAMING-UNSIGNED-PAYLOAD-TRAILER), and MinIO's reader of
   * trailers spins on a connection that fails mid-request, appending zero bytes to a buffer
   * until it is OOM-killed (12 GB in one test run, docs/decisions.md D4). With a Buffer the
   * checksum travels in a header and the length is known. lib-storage cuts a large file into
   * Buffer parts itself.
   */
  async putFile(key: string, localPath: string): Promise<void> {
    const { size } = await stat(localPath);
    if (size <= MULTIPART_THRESHOLD) {
      const body = await readFile(localPath);
      await this.putBytes(key, body);
      return;
    }
    await this.write(() =>
      new Upload({
        client: this.client,
        params: {
          Bucket: this.bucket,
          Key: this.root + key,
          Body: createReadStream(localPath),
          ChecksumAlgorithm: "CRC32",
        },
        partSize: PART_SIZE,
        queueSize: 4,
        leavePartsOnError: false,
      }).done(),
    );
  }

  async putBytes(key: string, body: Buffer | string): Promise<void> {
    await this.write(() =>
      this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: this.root + key,
          Body: body,
          ChecksumAlgorithm: "CRC32",
        }),
      ),
    );
  }

  async getBytes(key: string): Promise<Buffer | undefined> {
    return this.call(async () => {
      try {
        const out = await this.client.send(
          new GetObjectCommand({ Bucket: this.bucket, Key: this.root + key }),
        );
        return Buffer.from(await out.Body!.transformToByteArray());
      } catch (err) {
        if (err instanceof NoSuchKey) return undefined;
        throw err;
      }
    });
  }

  async getFile(key: string, localPath: string): Promise<void> {
    await mkdir(dirname(localPath), { recursive: true });
    const temp = join(dirname(localPath), `.tmp-${randomBytes(6).toString("hex")}-${basename(localPath)}`);
    try {
      await this.call(async () => {
        const out = await this.client.send(
          new GetObjectCommand({ Bucket: this.bucket, Key: this.root + key }),
        );
        await pipeline(out.Body as Readable, createWriteStream(temp));
      });
      await rename(temp, localPath);
    } finally {
      await rm(temp, { force: true });
    }
  }

  async list(prefix: string): Promise<ObjectInfo[]> {
    const found: ObjectInfo[] = [];
    let token: string | undefined;
    do {
      const page = await this.call(() =>
        this.client.send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: this.root + prefix,
            ContinuationToken: token,
          }),
        ),
      );
      for (const o of page.Contents ?? []) {
        found.push({ key: o.Key!.slice(this.root.length), size: o.Size ?? 0, etag: o.ETag ?? "" });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return found;
  }

  async delete(keys: readonly string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += 1000) {
      const chunk = keys.slice(i, i + 1000);
      // DeleteObjects answers 200 and lists what it refused: thrown inside the retried call, so
      // a refusal (AccessDenied on a read-only bucket) is waited out as a write's would be.
      await this.write(async () => {
        const out = await this.client.send(
          new DeleteObjectsCommand({
            Bucket: this.bucket,
            Delete: { Objects: chunk.map((k) => ({ Key: this.root + k })), Quiet: true },
          }),
        );
        const first = out.Errors?.[0];
        if (first)
          throw Object.assign(
            new Error(
              `S3 refused to delete ${out.Errors!.length} objects, first ${first.Key}: ${first.Message}`,
            ),
            { name: first.Code ?? "DeleteRefused" },
          );
      });
    }
  }

  async close(): Promise<void> {
    this.client.destroy();
  }
}
