/** Opens the store `LAKE_URI` names (SPEC section 2). */
import { config as loadedConfig, type Config } from "../../core/config.ts";
import type { Logger } from "../../core/logger.ts";
import { FileStore } from "./file-store.ts";
import type { ObjectStore } from "./port.ts";
import { S3Store } from "./s3-store.ts";

export function openStore(logger: Logger, signal?: AbortSignal, cfg: Config = loadedConfig()): ObjectStore {
  const lake = cfg.lake;
  return lake.kind === "file"
    ? new FileStore(lake.path)
    : new S3Store(lake.bucket, lake.prefix, cfg.s3, logger, signal);
}
