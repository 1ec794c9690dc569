// The Management API's errors: the closed set of shared/errors, plus what a management caller
// needs to act on one (the resource and id that was not found or conflicts, the fields that failed
// validation). Rendered to `{"error": {type, message, code, …}}` here and nowhere else.
import * as v from "valibot";
import { type ErrorCode, GatewayError, toGatewayError } from "#shared/errors/gateway-error.ts";

export interface FieldProblem {
  /** Dotted path into the input, e.g. `body.scope.value` or `query.limit`. */
  field: string;
  message: string;
}

export class ManagementError extends GatewayError {
  constructor(
    code: ErrorCode,
    message: string,
    readonly extra: {
      resource?: string;
      id?: string;
      fields?: FieldProblem[];
      retryAfterSeconds?: number;
      /** A more specific stable code than the default (see `stableCode`). */
      code?: string;
    } = {},
  ) {
    super(code, message, { retryAfterSeconds: extra.retryAfterSeconds });
  }
}

export const notFound = (resource: string, id: string) =>
  new ManagementError("not_found", `${resource} ${id} not found`, { resource, id });

export const conflict = (message: string, resource?: string, id?: string) =>
  new ManagementError("conflict", message, { resource, id });

export const forbidden = (message: string) => new ManagementError("forbidden", message);

export const invalidField = (field: string, message: string) =>
  new ManagementError("invalid_request", `${field}: ${message}`, {
    fields: [{ field, message }],
  });

export const errorBodySchema = v.object({
  error: v.object({
    type: v.pipe(v.string(), v.description("One of the closed error types, e.g. not_found.")),
    message: v.string(),
    code: v.pipe(
      v.string(),
      v.description(
        "A stable string code to branch on: <resource>_not_found (e.g. routing_config_not_found) " +
          "for a missing resource, otherwise the type (invalid_request, conflict, …).",
      ),
    ),
    status: v.pipe(v.number(), v.integer(), v.description("The HTTP status.")),
    resource: v.optional(v.string()),
    id: v.optional(v.string()),
    fields: v.optional(v.array(v.object({ field: v.string(), message: v.string() }))),
  }),
});
export type ErrorBody = v.InferOutput<typeof errorBodySchema>;

/** Status, body and headers for any thrown value; unknown errors become a bare 500. */
export function renderError(thrown: unknown): {
  status: number;
  body: ErrorBody;
  headers: Record<string, string>;
} {
  const error = toGatewayError(thrown);
  const extra = error instanceof ManagementError ? error.extra : {};
  const body: ErrorBody = {
    error: {
      type: error.code,
      message: error.message,
      code: stableCode(error.code, extra),
      status: error.status,
    },
  };
  if (extra.resource) body.error.resource = extra.resource;
  if (extra.id) body.error.id = extra.id;
  if (extra.fields?.length) body.error.fields = extra.fields;
  const headers: Record<string, string> = {};
  const retryAfter = extra.retryAfterSeconds ?? error.details.retryAfterSeconds;
  if (retryAfter !== undefined) headers["retry-after"] = String(retryAfter);
  return { status: error.status, body, headers };
}

/**
 * The string `code` of an error (modelux.ai's convention, docs/api/overview): a missing resource
 * is `<resource>_not_found`; an error that names a more specific code keeps it; the rest carry
 * their type. Stable: clients branch on it.
 */
export function stableCode(type: string, extra: { resource?: string; code?: string }): string {
  if (extra.code) return extra.code;
  if (type === "not_found" && extra.resource) return `${extra.resource}_not_found`;
  return type;
}

/** Problems one answer lists; a caller fixes those and learns of the rest on the next try. */
export const MAX_FIELD_PROBLEMS = 20;

/** Valibot issues → one invalid_request error naming its failing fields (the first 20). */

export function validationError(
  part: "params" | "query" | "body",
  issues: readonly v.BaseIssue<unknown>[],
): ManagementError {
  const fields = issues.slice(0, MAX_FIELD_PROBLEMS).map((issue) => ({
    field: [part, ...(issue.path ?? []).map((item) => String(item.key))].join("."),
    // A strict object's "expected never" is an unknown field; say so.
    message: issue.expected === "never" ? "unknown field" : issue.message,
  }));
  const more = issues.length - fields.length;
  const summary = [
    ...fields.map((problem) => `${problem.field}: ${problem.message}`),
    ...(more > 0 ? [`and ${more} more`] : []),
  ].join("; ");
  return new ManagementError("invalid_request", `invalid request: ${summary}`, { fields });
}
