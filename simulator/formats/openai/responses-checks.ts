// The checks OpenAI makes on a Responses request beyond its shape: parameters a model does not
// take, a tool choice naming a tool that is not offered, background without storage, features
// the simulator does not have. Each names the parameter, in OpenAI's words where known.
import * as v from "valibot";
import type { ErrorDetail } from "../../common/endpoint.ts";
import { describeIssue } from "../../common/validation.ts";
import { effortOf } from "./responses-input.ts";
import { isReasoningModel } from "./responses-reasoning.ts";
import {
  KNOWN_PARAMETERS,
  type ResponsesRequest,
  responsesRequestSchema,
} from "./responses-request.ts";

export interface RequestCheckProblem {
  message: string;
  detail: ErrorDetail;
}

export type CheckedRequest =
  | { ok: true; request: ResponsesRequest }
  | { ok: false; problem: RequestCheckProblem };

/** Real parameters whose stored objects the simulator does not keep. */
const NOT_SIMULATED: Record<string, string> = {
  conversation: "the simulator does not serve the Conversations API; send the items as input",
  prompt: "the simulator keeps no stored prompts; send the instructions and input instead",
};

const unsupported = (param: string): RequestCheckProblem => ({
  message: `Unsupported parameter: '${param}' is not supported with this model.`,
  detail: { param, code: "unsupported_parameter" },
});

export function checkRequest(body: Record<string, unknown>): CheckedRequest {
  for (const key of Object.keys(body)) {
    if (KNOWN_PARAMETERS.has(key)) continue;
    const reason = NOT_SIMULATED[key];
    const message = reason ? `Invalid '${key}': ${reason}.` : `Unknown parameter: '${key}'.`;
    return fail(message, { param: key, code: reason ? "invalid_value" : "unknown_parameter" });
  }
  const parsed = v.safeParse(responsesRequestSchema, body);
  if (!parsed.success) {
    const problem = describeIssue([deepestIssue(parsed.issues)]);
    if (problem.missing)
      return fail(`Missing required parameter: '${problem.param}'.`, {
        param: problem.param,
        code: "missing_required_parameter",
      });
    return fail(`Invalid value for '${problem.param}': ${problem.message}`, {
      param: problem.param,
      code: "invalid_value",
    });
  }
  const request = parsed.output;
  const problem = modelProblem(request) ?? toolChoiceProblem(request) ?? stateProblem(request);
  return problem ? { ok: false, problem } : { ok: true, request };
}

/**
 * `input` is a string or items: when neither fits, the union's own issue only names `input`;
 * the issue from inside the items names the item and field, as OpenAI's message does.
 */
function deepestIssue(
  issues: v.BaseIssue<unknown>[],
  parentPath: v.IssuePathItem[] = [],
): v.BaseIssue<unknown> {
  let deepest: v.BaseIssue<unknown> | undefined;
  for (const issue of issues) {
    // A union's issues carry paths from the union down; put the union's own path before them.
    const path = [...parentPath, ...(issue.path ?? [])];
    const candidate = issue.issues
      ? deepestIssue(issue.issues, path)
      : ({ ...issue, path } as v.BaseIssue<unknown>);
    if (!deepest || (candidate.path?.length ?? 0) > (deepest.path?.length ?? 0))
      deepest = candidate;
  }
  return deepest as v.BaseIssue<unknown>;
}

function fail(message: string, detail: ErrorDetail): CheckedRequest {
  return { ok: false, problem: { message, detail } };
}

function modelProblem(request: ResponsesRequest): RequestCheckProblem | undefined {
  const reasoning = request.reasoning;
  if (!isReasoningModel(request.model)) {
    if (reasoning?.effort != null) return unsupported("reasoning.effort");
    if (reasoning?.summary != null) return unsupported("reasoning.summary");
    if (request.include?.includes("reasoning.encrypted_content")) {
      return {
        message: "Encrypted content is not supported with this model.",
        detail: { param: "include", code: "unsupported_parameter" },
      };
    }
    return undefined;
  }
  // Reasoning models sample their own way while they think (the recorded 400).
  if (effortOf(request) === "none") return undefined;
  if (request.temperature != null)
    return { ...unsupported("temperature"), detail: { param: "temperature", code: null } };
  if (request.top_p != null)
    return { ...unsupported("top_p"), detail: { param: "top_p", code: null } };
  return undefined;
}

function toolChoiceProblem(request: ResponsesRequest): RequestCheckProblem | undefined {
  const choice = request.tool_choice;
  if (typeof choice !== "object" || choice === null || choice.type === "allowed_tools")
    return undefined;
  const tools = request.tools ?? [];
  const offered =
    choice.type === "function" || choice.type === "custom"
      ? tools.some(
          (tool) => tool.type === choice.type && "name" in tool && tool.name === choice.name,
        )
      : tools.some((tool) => sameFamily(tool.type, choice.type));
  if (offered) return undefined;
  const what =
    "name" in choice && choice.name ? `${choice.type} '${choice.name}'` : `'${choice.type}'`;
  return {
    message: `Tool choice ${what} not found in 'tools' parameter.`,
    detail: { param: "tool_choice", code: "invalid_value" },
  };
}

function sameFamily(toolType: string, choiceType: string): boolean {
  if (toolType === choiceType) return true;
  return toolType.startsWith("web_search") && choiceType.startsWith("web_search");
}

function stateProblem(request: ResponsesRequest): RequestCheckProblem | undefined {
  if (request.background && request.store === false) {
    return {
      message: "Background mode requires `store` to be true.",
      detail: { param: "background", code: "invalid_value" },
    };
  }
  if (request.input === undefined && !request.previous_response_id) {
    return {
      message: "Missing required parameter: 'input'.",
      detail: { param: "input", code: "missing_required_parameter" },
    };
  }
  return undefined;
}
