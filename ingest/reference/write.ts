/** Writes the catalog as products.ndjson and users.ndjson (SPEC section 7, `--out`). */
import { join } from "node:path";
import { NdjsonFile } from "../outputs.ts";
import type { Catalog } from "./catalog.ts";

export async function writeReferenceFiles(catalog: Catalog, dir: string): Promise<void> {
  const products = new NdjsonFile(join(dir, "products.ndjson"));
  for (let i = 0; i < catalog.productCount; i++)
    if (!products.write(JSON.stringify(catalog.product(i)))) await products.drained();
  await products.close();
  const users = new NdjsonFile(join(dir, "users.ndjson"));
  for (let i = 0; i < catalog.userCount; i++)
    if (!users.write(JSON.stringify(catalog.user(i)))) await users.drained();
  await users.close();
}
