/**
 * Building blocks of the six dashboards, typed by @grafana/schema for the pinned Grafana
 * (11.6, schemaVersion 41): the provisioned datasources, query targets for each of them,
 * panels that name the fields they show, variables, and a layout that places panels row by row
 * on Grafana's 24-column grid. `npm run dashboards:build` turns the dashboards into the JSON
 * files Grafana provisions (docs/decisions.md D24).
 */
import {
  FieldColorModeId,
  ThresholdsMode,
  VariableRefresh,
  VariableSort,
  type Dashboard,
  type DataSourceRef,
  type DataTransformerConfig,
  type FieldConfigSource,
  type Panel,
  type VariableModel,
} from "@grafana/schema";

export const GRAFANA_VERSION = "11.6.0";
export const SCHEMA_VERSION = 41;

/** The uids fixed by provisioning/datasources/lakehouse.yaml. */
const POSTGRES: DataSourceRef = { type: "grafana-postgresql-datasource", uid: "lakehouse-postgres" };
export const API: DataSourceRef = { type: "yesoreyeram-infinity-datasource", uid: "lakehouse-api" };
const PROMETHEUS: DataSourceRef = { type: "prometheus", uid: "lakehouse-prometheus" };

// ------------------------------------------------------------------ targets

export type Target = Record<string, unknown> & { datasource: DataSourceRef };

/** Raw SQL against the real-time tables, read as lakehouse_reader. */
export const sql = (rawSql: string, format: "table" | "time_series" = "table"): Target => ({
  datasource: POSTGRES,
  editorMode: "code",
  format,
  rawQuery: true,
  rawSql: rawSql.trim().replace(/\n\s*/g, "\n"),
});

/** PromQL over the services' /metrics. */
export const promql = (expr: string, legendFormat = "__auto"): Target => ({
  datasource: PROMETHEUS,
  editorMode: "code",
  expr,
  legendFormat,
  range: true,
});

export interface Column {
  selector: string;
  text?: string;
  type: "string" | "number" | "timestamp" | "boolean";
}

/** A GET on the REST API (the datasource holds its base URL and key), rows under `root`. */
export const api = (url: string, root: string, columns: Column[]): Target => ({
  datasource: API,
  type: "json",
  source: "url",
  parser: "backend",
  format: "table",
  url,
  url_options: { method: "GET", data: "" },
  root_selector: root,
  columns: columns.map((c) => ({ selector: c.selector, text: c.text ?? c.selector, type: c.type })),
  filters: [],
});

// ------------------------------------------------------------------ panels

export type PanelType = "timeseries" | "stat" | "table" | "bargauge" | "piechart" | "barchart" | "text";

export interface PanelSpec {
  title: string;
  description: string;
  type: PanelType;
  w: number;
  h: number;
  targets: Target[];
  /** Result fields the panel shows under a label of its own: [field, label]. */
  fields?: [string, string][];
  unit?: string;
  decimals?: number;
  /** Minimum query interval: the real-time tables hold one row per minute at best. */
  interval?: string;
  options?: Record<string, unknown>;
  custom?: Record<string, unknown>;
  overrides?: FieldConfigSource["overrides"];
  transformations?: DataTransformerConfig[];
}

type Override = FieldConfigSource["overrides"][number];

/** An override: the field called `field` drawn in a fixed colour. */
export const colorOf = (field: string, color: string): Override => ({
  matcher: { id: "byName", options: field },
  properties: [{ id: "color", value: { mode: "fixed", fixedColor: color } }],
});

/** An override: the field called `field` in its own unit. */
export const unitOf = (field: string, unit: string): Override => ({
  matcher: { id: "byName", options: field },
  properties: [{ id: "unit", value: unit }],
});

const REF_IDS = "ABCDEFGHIJ";

function toPanel(spec: PanelSpec, id: number, x: number, y: number): Panel {
  const fields = spec.fields ?? [];
  const datasources = new Set(spec.targets.map((t) => t.datasource.uid));
  const transformations: DataTransformerConfig[] = [
    ...(spec.transformations ?? []),
    ...(fields.length > 0 && spec.type !== "stat"
      ? [
          {
            id: "organize",
            options: {
              excludeByName: {},
              indexByName: Object.fromEntries(fields.map(([f], i) => [f, i])),
              renameByName: Object.fromEntries(fields),
            },
          },
        ]
      : []),
  ];
  return {
    id,
    type: spec.type,
    title: spec.title,
    description: spec.description,
    gridPos: { x, y, w: spec.w, h: spec.h },
    datasource:
      datasources.size === 1 ? spec.targets[0]!.datasource : { type: "datasource", uid: "-- Mixed --" },
    ...(spec.interval ? { interval: spec.interval } : {}),
    targets: spec.targets.map((t, i) => ({ refId: REF_IDS[i]!, ...t })),
    fieldConfig: {
      defaults: {
        ...(spec.unit ? { unit: spec.unit } : {}),
        ...(spec.decimals !== undefined ? { decimals: spec.decimals } : {}),
        color: { mode: spec.type === "stat" ? FieldColorModeId.Thresholds : FieldColorModeId.PaletteClassic },
        thresholds: { mode: ThresholdsMode.Absolute, steps: [{ color: "green", value: null }] },
        custom: spec.custom ?? {},
      },
      overrides: [
        ...(spec.type === "stat"
          ? fields.map(([field, label]) => ({
              matcher: { id: "byName", options: field },
              properties: [{ id: "displayName", value: label }],
            }))
          : []),
        ...(spec.overrides ?? []),
      ],
    },
    options: {
      ...(spec.type === "stat"
        ? {
            reduceOptions: {
              calcs: ["lastNotNull"],
              fields: fields.length > 0 ? `/^(${fields.map(([f]) => f).join("|")})$/` : "",
              values: false,
            },
            colorMode: "value",
            graphMode: "none",
            textMode: "value_and_name",
          }
        : {}),
      ...(spec.type === "timeseries"
        ? { legend: { showLegend: true, displayMode: "list", placement: "bottom" } }
        : {}),
      ...(spec.options ?? {}),
    },
    ...(transformations.length > 0 ? { transformations } : {}),
  };
}

/** Rows of panels, left to right; each row starts below the tallest panel of the one before. */
export function layout(rows: PanelSpec[][]): Panel[] {
  const panels: Panel[] = [];
  let y = 0;
  for (const row of rows) {
    let x = 0;
    for (const spec of row) {
      panels.push(toPanel(spec, panels.length + 1, x, y));
      x += spec.w;
    }
    if (x > 24) throw new Error(`a row is ${x} columns wide: ${row.map((p) => p.title).join(", ")}`);
    y += Math.max(...row.map((p) => p.h));
  }
  return panels;
}

// ------------------------------------------------------------------ variables

/** Values from a Postgres query; multi-select with "All" (Grafana quotes each value for SQL). */
export const sqlVariable = (name: string, label: string, query: string): VariableModel => ({
  type: "query",
  name,
  label,
  datasource: POSTGRES,
  query,
  refresh: VariableRefresh.onDashboardLoad,
  sort: VariableSort.alphabeticalAsc,
  multi: true,
  includeAll: true,
  current: { text: ["All"], value: ["$__all"] },
  options: [],
  regex: "",
});

/** A fixed list of choices. */
export const customVariable = (
  name: string,
  label: string,
  values: readonly string[],
  options: { multi?: boolean; includeAll?: boolean } = {},
): VariableModel => ({
  type: "custom",
  name,
  label,
  query: values.join(","),
  multi: options.multi ?? false,
  includeAll: options.includeAll ?? false,
  current: options.includeAll
    ? { text: ["All"], value: ["$__all"] }
    : { text: values[0]!, value: values[0]! },
  options: values.map((v, i) => ({ text: v, value: v, selected: !options.includeAll && i === 0 })),
});

export const textVariable = (name: string, label: string, value = ""): VariableModel => ({
  type: "textbox",
  name,
  label,
  query: value,
  current: { text: value, value },
});

// ------------------------------------------------------------------ dashboards

export interface DashboardSpec {
  uid: string;
  title: string;
  description: string;
  tags: string[];
  from: string;
  refresh: string;
  variables?: VariableModel[];
  rows: PanelSpec[][];
}

export function dashboard(spec: DashboardSpec): Dashboard {
  return {
    uid: spec.uid,
    title: spec.title,
    description: spec.description,
    tags: ["globalmart", ...spec.tags],
    schemaVersion: SCHEMA_VERSION,
    version: 1,
    editable: true,
    graphTooltip: 1,
    timezone: "utc",
    time: { from: spec.from, to: "now" },
    refresh: spec.refresh,
    timepicker: { refresh_intervals: ["10s", "30s", "1m", "5m", "15m", "1h"] },
    templating: { list: spec.variables ?? [] },
    annotations: { list: [] },
    links: [
      {
        title: "GlobalMart",
        type: "dashboards",
        tags: ["globalmart"],
        asDropdown: true,
        icon: "external link",
        includeVars: false,
        keepTime: true,
        targetBlank: false,
        tooltip: "",
      },
    ],
    panels: layout(spec.rows),
  };
}
