/**
 * Every error the API answers with is an RFC 9457 problem (`application/problem+json`): status
 * and title from the code's entry in core/errors.ts, a detail safe to show, and the fields that
 * were wrong. What a client sees never carries a stack, SQL text or a server's own message:
 * anything unexpected becomes a plain 500 (or 503 when a store is away) and is logged instead.
 */
import type { FastifyError } from "fastify";
import { ERROR_CODES, isRetriable, LakehouseError, type ErrorCode } from "../core/errors.ts";

export interface FieldError {
  field: string;
  message: string;
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  errors: FieldError[];
}

export const PROBLEM_TYPE = "application/problem+json";

const typeOf = (code: ErrorCode) => `urn:lakehouse:problem:${code.toLowerCase().replaceAll("_", "-")}`;

export function problem(code: ErrorCode, detail: string, errors: FieldError[] = []): Problem {
  const { status, title } = ERROR_CODES[code];
  return { type: typeOf(code), title, status, detail, code, errors };
}

/** A 400 naming the field. */
export function badField(field: string, message: string): LakehouseError {
  return new LakehouseError("VALIDATION_FAILED", `${field}: ${message}`, {
    context: { errors: [{ field, message }] },
  });
}

interface AjvError {
  instancePath: string;
  message?: string;
  keyword: string;
  params: Record<string, unknown>;
}

/** Fastify's schema errors, one per field: `limit`, `from`, `user_id`... */
function schemaErrors(err: FastifyError & { validation?: AjvError[] }): FieldError[] {
  return (err.validation ?? []).map((v) => {
    const path = v.instancePath.replace(/^\//, "").replaceAll("/", ".");
    const field =
      v.keyword === "required"
        ? String(v.params.missingProperty)
        : v.keyword === "additionalProperties"
          ? String(v.params.additionalProperty)
          : path || String(err.validationContext ?? "request");
    const message =
      v.keyword === "additionalProperties" ? "is not a parameter of this route" : (v.message ?? "is invalid");
    return { field, message };
  });
}

/** Maps anything a handler threw to the problem to send, and whether to log it as a fault. */
export function toProblem(err: unknown): { problem: Problem; fault: boolean } {
  if (err instanceof LakehouseError) {
    const errors = (err.context.errors as FieldError[] | undefined) ?? [];
    const code = err.code;
    const known = ERROR_CODES[code].status < 500 || code === "SERVICE_UNAVAILABLE" || code === "TIMEOUT";
    return {
      problem: problem(known ? code : "INTERNAL", known ? err.message : "an internal error occurred", errors),
      fault: !known || code === "SERVICE_UNAVAILABLE" || code === "TIMEOUT",
    };
  }
  const e = err as FastifyError & { validation?: AjvError[] };
  if (e.validation) {
    const errors = schemaErrors(e);
    return {
      problem: problem("VALIDATION_FAILED", errors.map((f) => `${f.field}: ${f.message}`).join("; "), errors),
      fault: false,
    };
  }
  if (e.statusCode === 413)
    return { problem: problem("PAYLOAD_TOO_LARGE", "the request body is too large"), fault: false };
  if (e.statusCode !== undefined && e.statusCode >= 400 && e.statusCode < 500) {
    // Fastify's own client errors (bad content type, malformed URL...): safe to describe.
    return {
      problem: { ...problem("VALIDATION_FAILED", "the request is malformed"), status: e.statusCode },
      fault: false,
    };
  }
  if (isRetriable(err))
    return {
      problem: problem("SERVICE_UNAVAILABLE", "a backing store is unavailable; retry shortly"),
      fault: true,
    };
  return { problem: problem("INTERNAL", "an internal error occurred"), fault: true };
}
