/**
 * Crash points for kill tests. `LAKEHOUSE_FAULTS=sink.after-upload:3` makes the process kill
 * itself with SIGKILL the third time it passes that point, so a test can hit the narrow
 * moments (between upload and commit) that random kills rarely find. Unset in production:
 * then this is one Map lookup per call on paths that run once per batch.
 */
const plan = new Map<string, number>();
for (const item of (process.env.LAKEHOUSE_FAULTS ?? "").split(",")) {
  const [name, nth] = item.trim().split(":");
  if (name) plan.set(name, Number(nth ?? 1));
}
const hits = new Map<string, number>();

export function faultPoint(name: string): void {
  const nth = plan.get(name);
  if (nth === undefined) return;
  const count = (hits.get(name) ?? 0) + 1;
  hits.set(name, count);
  if (count === nth) {
    process.stderr.write(`fault injected: SIGKILL at ${name} (hit ${count})\n`);
    process.kill(process.pid, "SIGKILL");
  }
}
