/** The problem+json body (RFC 9457) as a schema, for every route's error responses in OpenAPI. */
import { Type } from "@sinclair/typebox";

export const ProblemSchema = Type.Object({
  type: Type.String(),
  title: Type.String(),
  status: Type.Integer(),
  detail: Type.String(),
  code: Type.String(),
  errors: Type.Array(Type.Object({ field: Type.String(), message: Type.String() })),
});
