/**
 * Structural checks of a dashboard that Grafana itself would only reveal on screen: unique
 * panel ids and refIds, panels inside the 24-column grid without overlaps, every datasource
 * provisioned, every variable defined. Also what each panel says about its data: the fields
 * it names (for the query tests to find in the results).
 */
import type { Dashboard, Panel } from "@grafana/schema";
import { variablesUsed } from "./expand.ts";

export type Target = Record<string, unknown> & {
  refId?: string;
  datasource?: { uid?: string; type?: string };
};

export const panelsOf = (d: Dashboard): Panel[] =>
  (d.panels ?? []).flatMap((p) => (p.type === "row" ? (p as { panels: Panel[] }).panels : [p as Panel]));

export const targetsOf = (p: Panel): Target[] => p.targets ?? [];

/** The query text of a target, whatever its datasource. */
const queryText = (t: Target): string => {
  const text = t.rawSql ?? t.expr ?? t.url;
  return typeof text === "string" ? text : "";
};

export function problems(d: Dashboard, datasourceUids: ReadonlySet<string>): string[] {
  const found: string[] = [];
  const panels = panelsOf(d);
  const ids = panels.map((p) => p.id);
  for (const id of new Set(ids))
    if (ids.filter((i) => i === id).length > 1) found.push(`panel id ${id} is used twice`);
  const defined = new Set((d.templating?.list ?? []).map((v) => v.name));

  panels.forEach((p, i) => {
    const where = `panel "${p.title}"`;
    const g = p.gridPos;
    if (!g) found.push(`${where}: no gridPos`);
    else {
      if (g.x < 0 || g.w < 1 || g.x + g.w > 24)
        found.push(`${where}: x ${g.x} + w ${g.w} leaves the 24 columns`);
      if (g.y < 0 || g.h < 1) found.push(`${where}: y ${g.y}, h ${g.h}`);
      for (const q of panels.slice(i + 1)) {
        const o = q.gridPos;
        if (o && g.x < o.x + o.w && o.x < g.x + g.w && g.y < o.y + o.h && o.y < g.y + g.h)
          found.push(`${where} overlaps panel "${q.title}"`);
      }
    }
    const targets = targetsOf(p);
    if (targets.length === 0) found.push(`${where}: no query`);
    const refIds = targets.map((t) => t.refId);
    if (new Set(refIds).size !== refIds.length || refIds.some((r) => !r))
      found.push(`${where}: refIds ${refIds.join(",")}`);
    for (const t of targets) {
      const uid = t.datasource?.uid;
      if (!uid || !datasourceUids.has(uid)) found.push(`${where}: datasource ${uid} is not provisioned`);
    }
    const panelUid = p.datasource?.uid;
    if (panelUid && panelUid !== "-- Mixed --" && !datasourceUids.has(panelUid))
      found.push(`${where}: panel datasource ${panelUid} is not provisioned`);
    for (const text of [p.title ?? "", ...targets.map(queryText)])
      for (const name of variablesUsed(text))
        if (!defined.has(name)) found.push(`${where}: $${name} is not a variable of the dashboard`);
  });
  for (const v of d.templating?.list ?? []) {
    const ds = (v.datasource as { uid?: string } | undefined)?.uid;
    if (ds && !datasourceUids.has(ds)) found.push(`variable ${v.name}: datasource ${ds} is not provisioned`);
  }
  return found;
}

/**
 * The result fields a panel refers to by name: its organize transformation, stat field regex,
 * byName overrides, and the fields of its groupingToMatrix / groupBy transformations.
 */
export function fieldsNamed(p: Panel): string[] {
  const names = new Set<string>();
  for (const t of (p as { transformations?: { id: string; options: Record<string, unknown> }[] })
    .transformations ?? []) {
    if (t.id === "organize")
      for (const n of Object.keys((t.options.renameByName as object) ?? {})) names.add(n);
    if (t.id === "groupingToMatrix")
      for (const k of ["columnField", "rowField", "valueField"]) names.add(String(t.options[k]));
    if (t.id === "groupBy") for (const n of Object.keys((t.options.fields as object) ?? {})) names.add(n);
  }
  const regex = (p.options as { reduceOptions?: { fields?: string } } | undefined)?.reduceOptions?.fields;
  const listed = regex ? /^\/\^\(([\w|]+)\)\$\/$/.exec(regex) : null;
  if (listed) for (const n of listed[1]!.split("|")) names.add(n);
  for (const o of p.fieldConfig?.overrides ?? [])
    if (o.matcher.id === "byName" && typeof o.matcher.options === "string") names.add(o.matcher.options);
  return [...names];
}
