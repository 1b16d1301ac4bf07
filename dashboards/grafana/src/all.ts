/** The six dashboards and the file each is provisioned from. */
import customers from "./customers.ts";
import fraud from "./fraud.ts";
import inventory from "./inventory.ts";
import journeys from "./journeys.ts";
import pipelineHealth from "./pipeline-health.ts";
import salesNow from "./sales-now.ts";

export const DASHBOARDS = {
  "sales-now.json": salesNow,
  "fraud.json": fraud,
  "inventory.json": inventory,
  "journeys.json": journeys,
  "customers.json": customers,
  "pipeline-health.json": pipelineHealth,
};
