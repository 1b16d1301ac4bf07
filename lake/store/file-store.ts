/**
 * The lake in a local directory (the embedded default). Writes go to a hidden temporary file in
 * the target directory and are renamed into place, so a reader globbing `*.parquet` never sees
 * a partial file; names starting with "." are invisible to `list`.
 */
import { randomBytes } from "node:crypto";
import { copyFile, mkdir, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { basename, dirname, join, relative, sep } from "node:path";
import { pathToFileURL } from "node:url";
import type { ObjectInfo, ObjectStore } from "./port.ts";

function tempNameFor(path: string): string {
  return join(dirname(path), `.tmp-${randomBytes(6).toString("hex")}-${basename(path)}`);
}

async function atomically(path: string, write: (temp: string) => Promise<void>): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temp = tempNameFor(path);
  try {
    await write(temp);
    await rename(temp, path);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
}

export class FileStore implements ObjectStore {
  readonly uri: string;

  constructor(private readonly root: string) {
    this.uri = pathToFileURL(root).href;
  }

  localPath(key: string): string {
    if (key.split("/").some((part) => part === ".." || part === "."))
      throw new Error(`lake key ${JSON.stringify(key)} must not contain . or .. segments`);
    return join(this.root, ...key.split("/"));
  }

  async putFile(key: string, localPath: string): Promise<void> {
    await atomically(this.localPath(key), (temp) => copyFile(localPath, temp));
  }

  async putBytes(key: string, body: Buffer | string): Promise<void> {
    await atomically(this.localPath(key), (temp) => writeFile(temp, body));
  }

  async getBytes(key: string): Promise<Buffer | undefined> {
    try {
      return await readFile(this.localPath(key));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw err;
    }
  }

  async getFile(key: string, localPath: string): Promise<void> {
    await atomically(localPath, (temp) => copyFile(this.localPath(key), temp));
  }

  async list(prefix: string): Promise<ObjectInfo[]> {
    // Walk only the directory the prefix names, not the whole lake.
    const cut = prefix.lastIndexOf("/");
    const base = join(
      this.root,
      ...prefix
        .slice(0, cut + 1)
        .split("/")
        .filter(Boolean),
    );
    let entries;
    try {
      entries = await readdir(base, { recursive: true, withFileTypes: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw err;
    }
    const found: ObjectInfo[] = [];
    for (const entry of entries) {
      if (!entry.isFile() || entry.name.startsWith(".")) continue;
      const path = join(entry.parentPath, entry.name);
      const key = relative(this.root, path).split(sep).join("/");
      if (!key.startsWith(prefix)) continue;
      const info = await stat(path);
      found.push({ key, size: info.size, etag: `${info.size}-${info.mtimeMs}` });
    }
    return found.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async delete(keys: readonly string[]): Promise<void> {
    await Promise.all(keys.map((key) => rm(this.localPath(key), { force: true })));
  }

  async close(): Promise<void> {}
}
