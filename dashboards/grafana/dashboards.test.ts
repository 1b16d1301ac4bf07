/**
 * The provisioned dashboards without a Grafana: the JSON files are what the typed sources
 * build (so they type-check against @grafana/schema), their structure is sound, and the
 * expander the query tests rely on follows Grafana's documented semantics.
 */
import { readdirSync, readFileSync } from "node:fs";
import type { Dashboard } from "@grafana/schema";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { compose, PROJECT_IMAGE } from "../../services/testing/compose.ts";
import { DASHBOARDS } from "./src/all.ts";
import { GRAFANA_VERSION, SCHEMA_VERSION } from "./src/kit.ts";
import { expandSqlMacros, interpolate, type ExpandContext } from "./testing/expand.ts";
import { fieldsNamed, panelsOf, problems } from "./testing/structure.ts";

const here = (path: string) => new URL(path, import.meta.url);
const render = (d: unknown) => `${JSON.stringify(d, null, 2)}\n`;

interface DatasourceFile {
  datasources: { uid: string; type: string; name: string }[];
}
const provisioned = parse(
  readFileSync(here("provisioning/datasources/lakehouse.yaml"), "utf8"),
) as DatasourceFile;
const UIDS = new Set(provisioned.datasources.map((d) => d.uid));

describe("the Grafana dashboards", () => {
  it("are the JSON their typed sources build (run npm run dashboards:build after a change)", () => {
    expect(readdirSync(here("dashboards/")).sort()).toEqual(Object.keys(DASHBOARDS).sort());
    for (const [file, d] of Object.entries(DASHBOARDS))
      expect(readFileSync(here(`dashboards/${file}`), "utf8"), file).toBe(render(d));
  });

  it("are six, in the GlobalMart folder, on the pinned Grafana's schema, with distinct uids", () => {
    const all: Dashboard[] = Object.values(DASHBOARDS);
    expect(all).toHaveLength(6);
    expect(new Set(all.map((d) => d.uid)).size).toBe(6);
    for (const d of all) {
      expect(d.schemaVersion).toBe(SCHEMA_VERSION);
      expect(d.time?.from).toMatch(/^now-/);
      expect(d.refresh === "" || /^\d+[smh]$/.test(d.refresh ?? "")).toBe(true);
    }
    const providers = parse(readFileSync(here("provisioning/dashboards/lakehouse.yaml"), "utf8")) as {
      providers: { folder: string }[];
    };
    expect(providers.providers[0]!.folder).toBe("GlobalMart");
    expect(provisioned.datasources.map((d) => d.type).sort()).toEqual([
      "grafana-postgresql-datasource",
      "prometheus",
      "yesoreyeram-infinity-datasource",
    ]);
  });

  it("have unique ids and refIds, panels inside the grid without overlaps, provisioned datasources, defined variables", () => {
    for (const [file, d] of Object.entries(DASHBOARDS)) expect(problems(d, UIDS), file).toEqual([]);
  });

  it("offer the category and country variables on the dashboards whose tables carry them", () => {
    const vars = (d: Dashboard) => (d.templating?.list ?? []).map((v) => v.name);
    expect(vars(DASHBOARDS["sales-now.json"])).toEqual(expect.arrayContaining(["category", "country"]));
    expect(vars(DASHBOARDS["inventory.json"])).toContain("category");
    expect(vars(DASHBOARDS["customers.json"])).toContain("user_id");
  });

  it("find the problems they look for", () => {
    const base = DASHBOARDS["journeys.json"];
    const [a, b] = panelsOf(base);
    const broken: Dashboard = {
      ...base,
      panels: [
        { ...a!, gridPos: { x: 20, y: 0, w: 8, h: 4 } },
        {
          ...b!,
          id: a!.id,
          gridPos: { x: 22, y: 2, w: 2, h: 4 },
          targets: [{ refId: "A", datasource: { uid: "nope" }, rawSql: "SELECT $missing" }],
        },
      ],
    };
    const found = problems(broken, UIDS).join("\n");
    expect(found).toContain("is used twice");
    expect(found).toContain("leaves the 24 columns");
    expect(found).toContain("overlaps");
    expect(found).toContain("datasource nope is not provisioned");
    expect(found).toContain("$missing is not a variable");
  });

  it("name the fields they show, for the query tests to find", () => {
    const funnel = panelsOf(DASHBOARDS["journeys.json"]).find((p) => p.title === "Funnel")!;
    expect(fieldsNamed(funnel)).toEqual(["views", "cart_adds", "purchases"]);
    const gmv = panelsOf(DASHBOARDS["sales-now.json"]).find((p) => p.title === "GMV")!;
    expect(fieldsNamed(gmv)).toEqual(["gmv"]);
    const cohorts = panelsOf(DASHBOARDS["customers.json"]).find((p) => p.title === "Cohort retention")!;
    expect(fieldsNamed(cohorts)).toEqual(["months_since_first", "cohort_month", "retention"]);
  });
});

describe("docker-compose.yml's Grafana and Prometheus", () => {
  const grafana = compose.services.grafana!;

  it("runs the Grafana the dashboards are typed for, with the Infinity plugin pinned", () => {
    expect(grafana.image).toBe(`grafana/grafana:${GRAFANA_VERSION}`);
    expect(grafana.environment?.GF_INSTALL_PLUGINS).toMatch(
      /^yesoreyeram-infinity-datasource \d+\.\d+\.\d+$/,
    );
  });

  it("mounts the provisioning and the dashboards where the provider reads them, and sets every variable they use", () => {
    const mounts: Record<string, string> = Object.fromEntries(
      (grafana.volumes ?? []).map((v) => {
        const [source, target] = v.split(":");
        return [target!, source!];
      }),
    );
    expect(mounts["/etc/grafana/provisioning"]).toBe("./dashboards/grafana/provisioning");
    const provider = parse(readFileSync(here("provisioning/dashboards/lakehouse.yaml"), "utf8")) as {
      providers: { options: { path: string } }[];
    };
    expect(mounts[provider.providers[0]!.options.path]).toBe("./dashboards/grafana/dashboards");
    const text = readFileSync(here("provisioning/datasources/lakehouse.yaml"), "utf8");
    for (const [, name] of text.matchAll(/\$\{(\w+)\}/g))
      expect(grafana.environment, name).toHaveProperty(name!);
  });

  it("scrapes every project service that serves /metrics", () => {
    const config = parse(readFileSync(here("../prometheus/prometheus.yml"), "utf8")) as {
      scrape_configs: { static_configs: { targets: string[] }[] }[];
    };
    const targets = config.scrape_configs.flatMap((c) => c.static_configs.flatMap((s) => s.targets));
    // Every long-running project service (it has a HEALTH_URL) is scraped on that port.
    const services = Object.entries(compose.services)
      .filter(([, svc]) => svc.image === PROJECT_IMAGE && svc.environment?.HEALTH_URL)
      .map(([name, svc]) => `${name}:${new URL(svc.environment!.HEALTH_URL!).port}`);
    expect(services.length).toBeGreaterThanOrEqual(7);
    expect(targets.sort()).toEqual(services.sort());
  });
});

describe("the Grafana query expander", () => {
  const ctx = (variables: ExpandContext["variables"] = {}, minInterval?: string): ExpandContext => ({
    range: { from: new Date("2026-11-01T00:00:00Z"), to: new Date("2026-11-01T03:00:00Z") },
    variables,
    ...(minInterval ? { minInterval } : {}),
  });
  const range = ctx().range;

  it("expands the PostgreSQL macros as the datasource documents them", () => {
    expect(expandSqlMacros("WHERE $__timeFilter(t.ts)", range)).toBe(
      "WHERE t.ts BETWEEN '2026-11-01T00:00:00.000Z' AND '2026-11-01T03:00:00.000Z'",
    );
    expect(expandSqlMacros("SELECT $__timeGroup(ts, '5m')", range)).toBe(
      "SELECT floor(extract(epoch from ts)/300)*300",
    );
    expect(expandSqlMacros("SELECT $__timeGroupAlias(ts, 1m), x", range)).toBe(
      `SELECT floor(extract(epoch from ts)/60)*60 AS "time", x`,
    );
    expect(expandSqlMacros("$__time(ts), $__timeFrom(), $__timeTo()", range)).toBe(
      `ts AS "time", '2026-11-01T00:00:00.000Z', '2026-11-01T03:00:00.000Z'`,
    );
    expect(expandSqlMacros("WHERE $__unixEpochFilter(epoch)", range)).toBe(
      "WHERE epoch >= 1793491200 AND epoch <= 1793502000",
    );
    expect(() => expandSqlMacros("$__timeShift(ts)", range)).toThrow(/not a PostgreSQL macro/);
  });

  it("quotes multi-value and All variables for SQL, escapes single values, honours formats", () => {
    const variables = {
      category: { value: ["$__all"], options: ["Books", "O'Reilly"], multi: true, includeAll: true },
      split: { value: ["country"], options: ["category", "country"], multi: false, includeAll: false },
      who: { value: ["d'Arc"], options: [], multi: false, includeAll: false },
    };
    expect(interpolate("IN ($category)", ctx(variables), "sql")).toBe("IN ('Books','O''Reilly')");
    expect(interpolate("${split:sqlstring} = 'country'", ctx(variables), "sql")).toBe(
      "'country' = 'country'",
    );
    expect(interpolate("name = '$who'", ctx(variables), "sql")).toBe("name = 'd''Arc'");
    expect(interpolate("[[split]]", ctx(variables), "sql")).toBe("country");
    expect(interpolate("/x/${who:percentencode}", ctx(variables), "url")).toBe("/x/d'Arc");
    expect(interpolate('{topic=~"$category"}', ctx(variables), "promql")).toBe(
      '{topic=~"(Books|O\'Reilly)"}',
    );
    expect(() => interpolate("$nope", ctx(variables), "sql")).toThrow(/no variable nope/);
  });

  it("derives $__interval from the range and the minimum interval, and $__rate_interval from the scrape interval", () => {
    // 3 h over 1000 points is 10.8 s, rounded to 10 s; a 1m minimum wins.
    expect(interpolate("$__interval", ctx(), "sql")).toBe("10s");
    expect(interpolate("$__interval", ctx({}, "1m"), "sql")).toBe("1m");
    expect(interpolate("$__interval_ms $__range", ctx(), "sql")).toBe("10000 3h");
    expect(interpolate("[$__rate_interval]", { ...ctx(), scrapeInterval: "15s" }, "promql")).toBe("[1m]");
    expect(interpolate("${__from:date:YYYY-MM-DD}..${__to:date:iso}", ctx(), "url")).toBe(
      "2026-11-01..2026-11-01T03:00:00.000Z",
    );
    // SQL macros survive interpolation, for the backend to expand.
    expect(interpolate("$__timeGroupAlias(ts, $__interval)", ctx({}, "1m"), "sql")).toBe(
      "$__timeGroupAlias(ts, 1m)",
    );
  });
});
