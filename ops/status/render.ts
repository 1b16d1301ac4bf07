/** `lakehouse status` for a person: a few aligned tables, the problems last. */
import { table } from "../table.ts";
import type { Status } from "./collect.ts";

const n = (x: number) => x.toLocaleString("en-US");

export function bytes(x: number): string {
  if (x < 1024) return `${x} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let v = x / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(1)} ${units[u]}`;
}

export function renderStatus(s: Status): string {
  const out: string[] = [`lakehouse status at ${s.checked_at}`, ""];
  out.push(
    ...table(
      ["server", "state", "ms", "where", "detail"],
      s.servers.map((c) => [c.name, c.state, String(c.ms), c.target, c.detail]),
    ),
  );
  if (s.topics.length > 0) {
    out.push("");
    out.push(
      ...table(
        ["topic", "partitions", "records", "end offsets"],
        s.topics.map((t) => [t.kafka_topic, String(t.partitions), n(t.records), t.end_offsets.join(" ")]),
      ),
    );
  }
  for (const g of s.groups) {
    out.push(
      "",
      `group ${g.group} (${g.stage}, offsets in ${g.offsets_in}): ${g.members} members, lag ${n(g.total_lag)}`,
    );
    out.push(
      ...table(
        ["  topic", "lag", "never committed", "expired"],
        g.lag.map((l) => [
          `  ${l.topic}`,
          n(l.lag),
          `${l.uncommitted}/${l.partitions}`,
          l.expired > 0 ? `${n(l.expired)} LOST TO RETENTION` : "0",
        ]),
      ),
    );
  }
  const d = s.dead_letters;
  const counts = (c: Record<string, number> | null) =>
    c === null
      ? "unknown"
      : Object.keys(c).length === 0
        ? "none"
        : Object.entries(c)
            .map(([t, k]) => `${t} ${n(k)}`)
            .join(", ");
  out.push(
    "",
    `dead letters: dlq.events topic ${d.dlq_topic_records === null ? "unknown" : n(d.dlq_topic_records)}; stream ${counts(d.stream)}`,
    `late events: ${counts(d.late)}`,
  );
  if (s.batch_runs !== null) {
    out.push("");
    if (s.batch_runs.length === 0) out.push("batch runs: none yet");
    else
      out.push(
        ...table(
          ["batch run", "job", "date", "status", "seconds"],
          s.batch_runs.map((r) => [
            r._id,
            r.job,
            r.snapshot_date,
            r.error ? `${r.status}: ${r.error}` : r.status,
            r.duration_ms === undefined ? "-" : (r.duration_ms / 1000).toFixed(1),
          ]),
        ),
      );
  }
  if (s.lake) {
    out.push("", `lake ${s.lake.uri}`);
    out.push(
      ...table(
        ["  layer", "files", "size"],
        s.lake.layers.map((l) => [`  ${l.layer}`, n(l.files), bytes(l.bytes)]),
      ),
    );
  }
  if (s.problems.length > 0) out.push("", "problems:", ...s.problems.map((p) => `  - ${p}`));
  return out.join("\n");
}
