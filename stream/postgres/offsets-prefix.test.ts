/** adoptPrefixedOffsets on PGlite: offsets stored under Kafka names become SPEC names once. */
import { describe, expect, it } from "vitest";
import { migrate } from "../../core/db/migrate.ts";
import { openPglite } from "../../core/db/pglite-sql.ts";
import { createLogger } from "../../core/logger.ts";
import { adoptPrefixedOffsets } from "./shard-store.ts";

describe("adoptPrefixedOffsets", () => {
  it("renames the group's prefixed SPEC names only, and only once", async () => {
    const { sql } = await openPglite();
    await migrate(sql, createLogger({ level: "silent" }));
    await sql.query(
      `INSERT INTO stream_offsets (group_id, topic, kafka_partition, next_offset) VALUES
       ('g', 'shop1.transactions', 0, 10), ('g', 'shop1.refunds', 1, 4), ('g', 'shop1.other', 0, 1),
       ('h', 'shop1.transactions', 0, 7), ('t', 'transactions', 0, 5)`,
    );
    expect(await adoptPrefixedOffsets(sql, "g", "shop1.")).toBe(2);
    expect(await adoptPrefixedOffsets(sql, "g", "shop1.")).toBe(0);
    // A prefix that is the start of a SPEC name leaves the SPEC name alone.
    expect(await adoptPrefixedOffsets(sql, "t", "t")).toBe(0);
    const { rows } = await sql.query<{ group_id: string; topic: string }>(
      "SELECT group_id, topic FROM stream_offsets ORDER BY group_id, topic",
    );
    expect(rows.map((r) => `${r.group_id}:${r.topic}`)).toEqual([
      "g:refunds",
      "g:shop1.other",
      "g:transactions",
      "h:shop1.transactions",
      "t:transactions",
    ]);
  });
});
