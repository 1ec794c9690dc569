// Builds what the model sees for one request: the stored chain of `previous_response_id`
// (its context and output), then this request's input with item references resolved. Refuses,
// with OpenAI's errors, what OpenAI refuses: an unknown previous response, a reference to an
// item that was never stored, an item given twice (again in the input, or already in the chain),
// reasoning whose encrypted content was not made here, and a function call output that answers
// no call.
import type { ErrorDetail } from "../../common/endpoint.ts";
import { normalizeInput, type ResponseItem } from "./responses-input.ts";
import { openReasoning } from "./responses-reasoning.ts";
import type { ResponsesRequest } from "./responses-request.ts";
import type { ResponseStore, StoredResponse } from "./responses-store.ts";

export interface ContextProblem {
  status: number;
  message: string;
  detail: ErrorDetail;
}

export type BuiltContext =
  | {
      ok: true;
      inputItems: ResponseItem[];
      context: ResponseItem[];
      previous: StoredResponse | undefined;
    }
  | { ok: false; problem: ContextProblem };

const notPersisted = (id: string) =>
  `Item with id '${id}' not found. Items are not persisted when \`store\` is set to false. Try again with \`store\` set to true, or remove this item from your input.`;

export function buildContext(
  request: ResponsesRequest,
  store: ResponseStore,
  tenant: string,
): BuiltContext {
  let previous: StoredResponse | undefined;
  if (request.previous_response_id) {
    previous = store.get(tenant, request.previous_response_id);
    if (!previous) {
      return fail(400, `Previous response with id '${request.previous_response_id}' not found.`, {
        param: "previous_response_id",
        code: "previous_response_not_found",
      });
    }
  }

  const inputItems: ResponseItem[] = [];
  for (const [index, item] of normalizeInput(request.input).entries()) {
    const param = `input[${index}]`;
    if (item.type === "item_reference") {
      const found = store.findItem(tenant, String(item.id));
      if (!found) return fail(404, notPersisted(String(item.id)), { param: `${param}.id` });
      inputItems.push(found);
      continue;
    }
    if (item.type === "reasoning") {
      const problem = reasoningProblem(item, store, tenant, param);
      if (problem) return { ok: false, problem };
    }
    if (item.type === "message") {
      const problem = contentProblem(item, param);
      if (problem) return { ok: false, problem };
    }
    inputItems.push(item);
  }

  const earlier = previous ? [...previous.context, ...previous.final.output] : [];
  const context = [...earlier, ...inputItems];
  const problem = duplicateItem(earlier, inputItems) ?? unansweredOutput(context);
  if (problem) return { ok: false, problem };
  return { ok: true, inputItems, context, previous };
}

function fail(status: number, message: string, detail: ErrorDetail): BuiltContext {
  return { ok: false, problem: { status, message, detail } };
}

function reasoningProblem(
  item: ResponseItem,
  store: ResponseStore,
  tenant: string,
  param: string,
): ContextProblem | undefined {
  const id = String(item.id);
  const sealed = item.encrypted_content;
  if (typeof sealed === "string") {
    const opened = openReasoning(sealed);
    if (opened && opened.id === id) return undefined;
    return {
      status: 400,
      message: `The encrypted content for item ${id} could not be verified.`,
      detail: { param: `${param}.encrypted_content`, code: "invalid_encrypted_content" },
    };
  }
  // Without its encrypted content a reasoning item is a reference to a stored one.
  if (store.findItem(tenant, id)) return undefined;
  return { status: 404, message: notPersisted(id), detail: { param } };
}

const USER_PARTS = new Set(["input_text", "input_image", "input_file"]);
const ASSISTANT_PARTS = new Set(["output_text", "refusal"]);

/** OpenAI takes input parts from users, system and developer, output parts from the assistant. */
function contentProblem(item: ResponseItem, param: string): ContextProblem | undefined {
  const allowed = item.role === "assistant" ? ASSISTANT_PARTS : USER_PARTS;
  const parts = Array.isArray(item.content) ? (item.content as Array<{ type: string }>) : [];
  for (const [index, part] of parts.entries()) {
    const partParam = `${param}.content[${index}]`;
    if (!allowed.has(part.type)) {
      const names = [...allowed].map((type) => `'${type}'`);
      const expected = `${names.slice(0, -1).join(", ")} and ${names.at(-1)}`;
      return {
        status: 400,
        message: `Invalid value: '${part.type}'. Supported values are: ${expected}.`,
        detail: { param: `${partParam}.type`, code: "invalid_value" },
      };
    }
    const problem = sourceProblem(part as Record<string, unknown>, partParam);
    if (problem) return problem;
  }
  return undefined;
}

/** Images and files need one source: a URL, a file id or (files) inline data. */
function sourceProblem(part: Record<string, unknown>, param: string): ContextProblem | undefined {
  const has = (key: string) => typeof part[key] === "string" && part[key] !== "";
  if (part.type === "input_image" && !has("image_url") && !has("file_id")) {
    return {
      status: 400,
      message: "Invalid input_image: one of 'image_url' or 'file_id' must be provided.",
      detail: { param, code: "missing_required_parameter" },
    };
  }
  if (part.type === "input_file" && !has("file_id") && !has("file_data") && !has("file_url")) {
    return {
      status: 400,
      message: "Invalid input_file: one of 'file_id', 'file_data' or 'file_url' must be provided.",
      detail: { param, code: "missing_required_parameter" },
    };
  }
  if (part.type === "input_file" && has("file_data") && !has("filename")) {
    return {
      status: 400,
      message: "Missing required parameter: 'filename' (required with 'file_data').",
      detail: { param: `${param}.filename`, code: "missing_required_parameter" },
    };
  }
  return undefined;
}

/** An id may appear once in the whole context (a clean id is given to items sent without one). */
function duplicateItem(
  earlier: ResponseItem[],
  inputItems: ResponseItem[],
): ContextProblem | undefined {
  const seen = new Set(earlier.map((item) => item.id));
  for (const item of inputItems) {
    if (typeof item.id !== "string") continue;
    if (!seen.has(item.id)) {
      seen.add(item.id);
      continue;
    }
    return {
      status: 400,
      message: `Duplicate item found with id ${item.id}. Remove duplicate items from your input and try again.`,
      detail: { param: "input" },
    };
  }
  return undefined;
}

/** Every function or computer call output must answer a call earlier in the context. */
function unansweredOutput(context: ResponseItem[]): ContextProblem | undefined {
  const calls = new Set<string>();
  for (const item of context) {
    if (item.type === "function_call" || item.type === "computer_call") {
      calls.add(String(item.call_id));
      continue;
    }
    if (item.type !== "function_call_output" && item.type !== "computer_call_output") continue;
    if (calls.has(String(item.call_id))) continue;
    const kind = item.type === "function_call_output" ? "function call" : "computer call";
    return {
      status: 400,
      message: `No tool call found for ${kind} output with call_id ${String(item.call_id)}.`,
      detail: { param: "input" },
    };
  }
  return undefined;
}
