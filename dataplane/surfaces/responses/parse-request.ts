// A Responses body, checked: the top-level fields by the schema, each input item and tool by the
// schema of its type, every problem a 400 naming the field (`input[2].content[0].image_url`).
// The body itself is not changed: the passthrough sends it as the client wrote it.
import * as v from "valibot";
import { GatewayError } from "#shared/errors/gateway-error.ts";
import { validationError } from "../../wire/validation-error.ts";
import { fastResponsesRequest } from "./fast-request.ts";
import {
  type FunctionTool,
  functionTool,
  type InputItem,
  itemSchemaFor,
  type ResponsesRequest,
  responsesRequestSchema,
  toolChoiceAllowed,
  toolChoiceFunction,
} from "./request-schema.ts";

export interface CheckedRequest {
  request: ResponsesRequest;
  /** `input` as items: a string is one user message. */
  items: InputItem[];
  /** Function tools by position in `tools`; other tools are `{type}` only. */
  tools: Array<FunctionTool | { type: string }>;
}

export function checkResponsesRequest(body: Record<string, unknown>): CheckedRequest {
  const fields: Record<string, unknown> = {};
  for (const key of Object.keys(body)) {
    if (!key.startsWith("mlx:")) defineField(fields, key, body[key]);
  }
  // The common body is checked by hand (fast-request.ts, the schema's output for it); any other
  // goes through the schema, which names the problem.
  const request = fastResponsesRequest(fields) ?? checked(responsesRequestSchema, fields, []);
  const input = request.input;
  const items: InputItem[] =
    typeof input === "string"
      ? [{ type: "message", role: "user", content: input }]
      : (input ?? []).map(
          (item, index) => checked(itemSchemaFor(item.type), item, ["input", index]) as InputItem,
        );
  const tools = (request.tools ?? []).map((tool, index) =>
    tool.type === "function" ? checked(functionTool, tool, ["tools", index]) : tool,
  );
  const choice = request.tool_choice;
  if (typeof choice === "object" && choice !== null) {
    if (choice.type === "function") checked(toolChoiceFunction, choice, ["tool_choice"]);
    if (choice.type === "allowed_tools") checked(toolChoiceAllowed, choice, ["tool_choice"]);
  }
  return { request, items, tools };
}

/** The value as `schema` reads it, or a 400 naming the field under `prefix`. */
export function checked<T extends v.GenericSchema>(
  schema: T,
  value: unknown,
  prefix: Array<string | number>,
): v.InferOutput<T> {
  // Stops at the first problem: reporting every one of a million wrong items cost a minute of CPU.
  const parsed = v.safeParse(schema, value, { abortEarly: true });
  if (parsed.success) return parsed.output;
  if (prefix.length === 0) throw validationError(parsed.issues);
  const head = prefix.map((key) => ({ key }));
  throw validationError(
    parsed.issues.map((issue) => ({ ...issue, path: [...head, ...(issue.path ?? [])] })) as never,
  );
}

/** A 400 naming `param`, in OpenAI's error shape. */
export function invalid(param: string, message: string): GatewayError {
  return new GatewayError("invalid_request", `${param}: ${message}`, { param });
}

/** Sets own properties only, so a client's `__proto__` field is data, never a prototype. */
function defineField(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}
