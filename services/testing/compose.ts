/**
 * docker-compose.yml as the tests read it: parsed once with YAML merge keys resolved (the
 * `<<: *lakehouse-env` anchors), typed as far as the tests look, and Compose's interpolation.
 */
import { readFileSync } from "node:fs";
import { parse } from "yaml";

/** The image every project service runs (Dockerfile). */
export const PROJECT_IMAGE = "globalmart-lakehouse:dev";

export interface ComposeService {
  image?: string;
  command?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  expose?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
}

export interface Compose {
  services: Record<string, ComposeService>;
}

export const composeText = readFileSync(new URL("../../docker-compose.yml", import.meta.url), "utf8");
export const compose = parse(composeText, { merge: true }) as Compose;

/** Compose's interpolation: ${NAME:-default}, ${NAME-default}, ${NAME}, and $$ for a dollar. */
export function interpolate(value: string, env: Record<string, string | undefined>): string {
  return value.replace(
    /\$\$|\$\{(\w+)(?:(:?-)([^}]*))?\}/g,
    (whole, name?: string, op?: string, fallback?: string) => {
      if (whole === "$$") return "$";
      const given = env[name!];
      if (op === ":-") return given === undefined || given === "" ? fallback! : given;
      if (op === "-") return given === undefined ? fallback! : given;
      return given ?? "";
    },
  );
}
