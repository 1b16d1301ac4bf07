/**
 * The lake's object store port (SPEC section 2: `LAKE_URI` = s3://... or file://...). Keys are
 * relative to the lake root and use "/" ("bronze/transactions/dt=2026-11-21/hr=10/x.parquet").
 * Both adapters give the same guarantee readers depend on: an object is either absent or
 * complete, never half written.
 */
export interface ObjectInfo {
  key: string;
  size: number;
  /** Changes whenever the content changes; used to skip unchanged objects when syncing. */
  etag: string;
}

export interface ObjectStore {
  /** file:///... or s3://bucket/prefix, for messages. */
  readonly uri: string;
  /** Uploads a local file under `key`, replacing any object there. */
  putFile(key: string, localPath: string): Promise<void>;
  putBytes(key: string, body: Buffer | string): Promise<void>;
  /** The object's bytes, or undefined when there is none. */
  getBytes(key: string): Promise<Buffer | undefined>;
  /** Downloads `key` to `localPath` (written atomically). */
  getFile(key: string, localPath: string): Promise<void>;
  /** Every object whose key starts with `prefix`, in key order. */
  list(prefix: string): Promise<ObjectInfo[]>;
  /** Removes the keys; missing keys are not an error. */
  delete(keys: readonly string[]): Promise<void>;
  /** Where a key lives on this machine when the store is a local directory (read in place). */
  localPath(key: string): string | undefined;
  close(): Promise<void>;
}
