/**
 * Write-ahead notes that make "upload, then commit" exactly once. Before a batch's files are
 * uploaded, the sink records, per topic partition, the offsets the batch covers and the keys it
 * will write. If the worker dies before committing, the next owner of the partition finds a
 * note whose first offset is at or after the committed offset, and deletes those keys before
 * it writes anything: the lake never holds a file whose offsets are also re-read.
 */
import type { Logger } from "../../core/logger.ts";
import { intentKey } from "../layout.ts";
import type { ObjectStore } from "../store/port.ts";

export interface Intent {
  topic: string;
  partition: number;
  first: number;
  last: number;
  keys: string[];
}

export function writeIntent(store: ObjectStore, group: string, intent: Intent): Promise<void> {
  return store.putBytes(intentKey(group, intent.topic, intent.partition), JSON.stringify(intent));
}

/**
 * Removes what an uncommitted write of this partition left behind. `committed` is the next
 * offset to read (-1: nothing committed yet). Returns the keys removed.
 */
export async function removeUncommitted(
  store: ObjectStore,
  group: string,
  topic: string,
  partition: number,
  committed: number,
  logger: Logger,
): Promise<string[]> {
  const raw = await store.getBytes(intentKey(group, topic, partition));
  if (!raw) return [];
  const intent = JSON.parse(raw.toString("utf8")) as Intent;
  if (intent.first < Math.max(committed, 0)) return [];
  await store.delete(intent.keys);
  logger.warn(
    { topic, partition, first: intent.first, last: intent.last, committed, files: intent.keys.length },
    `removed ${intent.keys.length} files of an uncommitted write of ${topic}+${partition} (offsets ${intent.first}-${intent.last})`,
  );
  return intent.keys;
}
