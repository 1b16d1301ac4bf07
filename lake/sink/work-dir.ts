/**
 * The sink's local work directory is emptied at every start (what a killed run left there is
 * rewritten from Kafka), so it must be one the sink made: `--work-dir ~` must be refused, not
 * deleted. A marker file says the directory is the sink's.
 */
import { mkdir, readdir, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { LakehouseError } from "../../core/errors.ts";

const MARKER = ".lakehouse-sink-work";

/** Makes `dir` an empty work directory of the sink's, or refuses one holding anything else. */
export async function claimWorkDir(dir: string): Promise<void> {
  const info = await stat(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === "ENOENT") return undefined;
    throw err;
  });
  if (info && !info.isDirectory())
    throw new LakehouseError(
      "CONFIG_INVALID",
      `work directory ${dir} is a file: give --work-dir a directory`,
    );
  const entries = info ? await readdir(dir) : [];
  if (entries.length > 0 && !entries.includes(MARKER))
    throw new LakehouseError(
      "CONFIG_INVALID",
      `work directory ${dir} holds files the sink did not write (${entries.slice(0, 3).join(", ")}${entries.length > 3 ? ", ..." : ""}); the sink empties it at start, so give --work-dir a new or empty directory`,
    );
  await mkdir(dir, { recursive: true });
  for (const entry of entries)
    if (entry !== MARKER) await rm(join(dir, entry), { recursive: true, force: true });
  await writeFile(join(dir, MARKER), "the lakehouse sink empties this directory at each start\n");
}
