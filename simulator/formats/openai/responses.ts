// POST /v1/responses: a deterministic answer as a `response` object or its event stream, kept
// for later reads unless `store: false`, or queued when `background: true`. The same handler
// serves Azure's Responses paths; a flavor gives the auth, the tenant and vendor extras.
import { planAnswer } from "../../common/answer.ts";
import type { EndpointFormat } from "../../common/endpoint.ts";
import { openEndpoint, waitBeforeAnswer } from "../../common/endpoint.ts";
import { streamResponse } from "../../common/event-stream.ts";
import { bearerToken, jsonResponse } from "../../common/http.ts";
import { randomId } from "../../common/random.ts";
import type { SimulatorState } from "../../common/state.ts";
import { openAiEndpoint } from "./api.ts";
import { openAiError, openAiErrorResponse } from "./errors.ts";
import { cachedPrefixTokens } from "./prompt-caching.ts";
import { checkRequest } from "./responses-checks.ts";
import { buildContext } from "./responses-context.ts";
import { planHostedCalls } from "./responses-hosted-tools.ts";
import { inputTokens, itemId, promptPieces, toAnswerRequest } from "./responses-input.ts";
import {
  type PlannedResponse,
  planOutput,
  type ResponseMeta,
  type ResponseView,
  responseBody,
} from "./responses-output.ts";
import type { ResponsesRequest } from "./responses-request.ts";
import { failedEvents, type RenderedStream, responseEvents } from "./responses-stream.ts";

/** What differs between vendors serving the Responses API. */
export interface ResponsesFlavor {
  endpoint: EndpointFormat;
  /** Whose responses these are: a scope and the credential, so keys never share state. */
  tenantOf(request: Request): string;
  /** Fields after `completed_at` while running and once done (Azure's `content_filters`). */
  extras?(phase: "running" | "done"): Record<string, unknown>;
}

export const openAiResponsesFlavor: ResponsesFlavor = {
  endpoint: { ...openAiEndpoint, streamsErrors: true },
  tenantOf: (request) => `openai:${bearerToken(request) ?? ""}`,
};

const nowSeconds = () => Math.floor(Date.now() / 1000);

export function createResponsesHandler(
  state: SimulatorState,
  flavor: ResponsesFlavor = openAiResponsesFlavor,
) {
  return async (request: Request): Promise<Response> => {
    const opened = await openEndpoint(request, state, flavor.endpoint);
    if (opened.kind === "answered") return opened.response;
    const checked = checkRequest(opened.body);
    if (!checked.ok)
      return openAiErrorResponse(400, checked.problem.message, checked.problem.detail);
    const responses = checked.request;
    const tenant = flavor.tenantOf(request);
    const built = buildContext(responses, state.responses, tenant);
    if (!built.ok) {
      const { status, message, detail } = built.problem;
      return openAiErrorResponse(status, message, detail);
    }

    const answerRequest = toAnswerRequest(responses, built.context);
    const answer = planAnswer(answerRequest);
    const hosted = planHostedCalls(responses, built.context, answerRequest.seedText);
    const prompt = inputTokens(responses, built.context);
    const cached = cachedPrefixTokens(
      `openai\n${responses.model}`,
      promptPieces(responses, built.context),
      prompt,
      state.promptCache,
    );
    const plan = planOutput(responses, answer, hosted, prompt, cached);
    const meta: ResponseMeta = {
      id: itemId("resp_"),
      createdAt: nowSeconds(),
      model: responses.model,
    };
    const body = (view: ResponseView) => responseBody(meta, responses, view);
    const running = body(runningView(responses, flavor));
    const streamError = opened.timing.streamError;
    const final = streamError
      ? body(failedView(flavor, streamErrorOf(streamError)))
      : body(doneView(plan, flavor));
    const headers = { "x-request-id": randomId("req_", 32) };
    const background = responses.background === true;

    let rendered: RenderedStream | undefined;
    if (opened.streaming) {
      const options = {
        obfuscation: responses.stream_options?.include_obfuscation !== false,
        queued: background,
      };
      rendered = streamError
        ? failedEvents(running, final, streamErrorOf(streamError), options)
        : responseEvents(plan, running, final, options);
    }
    if (responses.store !== false) {
      state.responses.put({
        id: meta.id,
        tenant,
        final,
        running,
        inputItems: built.inputItems,
        context: built.context,
        background,
        events: background ? rendered?.payloads : undefined,
        retrievals: 0,
        cancelled: false,
      });
    }

    if (!opened.streaming && background) return jsonResponse(running, 200, headers);
    await waitBeforeAnswer(opened.timing, opened.streaming, plan.usage.output_tokens);
    if (!rendered) return jsonResponse(final, 200, headers);
    const pacing = {
      tokensPerSecond: opened.timing.profile.tokens_per_second,
      cutAfterChunks: opened.timing.cutAfterChunks,
    };
    return streamResponse(rendered.events, pacing, headers);
  };
}

/** How the response looks before it is done: queued in background, else in progress. */
function runningView(request: ResponsesRequest, flavor: ResponsesFlavor): ResponseView {
  return {
    status: request.background ? "queued" : "in_progress",
    output: [],
    usage: null,
    error: null,
    incompleteDetails: null,
    completedAt: null,
    extras: flavor.extras?.("running"),
  };
}

function doneView(plan: PlannedResponse, flavor: ResponsesFlavor): ResponseView {
  return {
    status: plan.status,
    output: plan.outputs.map((output) =>
      output.kind === "hosted" ? output.call.item : output.item,
    ),
    usage: plan.usage,
    error: null,
    incompleteDetails: plan.incompleteDetails,
    completedAt: nowSeconds(),
    extras: flavor.extras?.("done"),
  };
}

interface StreamFailure {
  type: string;
  code: string | null;
  message: string;
}

/** An injected in-stream fault as OpenAI's error: its body's `error` when given, else by status. */
function streamErrorOf(fault: { status: number; body: unknown }): StreamFailure {
  const given = (fault.body as { error?: Partial<StreamFailure> } | undefined)?.error;
  const byStatus = openAiError(fault.status, `simulated ${fault.status} during the response`);
  return {
    type: given?.type ?? byStatus.type,
    code: given?.code ?? byStatus.code ?? byStatus.type,
    message: given?.message ?? byStatus.message,
  };
}

function failedView(flavor: ResponsesFlavor, failure: StreamFailure): ResponseView {
  return {
    status: "failed",
    output: [],
    usage: null,
    error: { code: failure.code ?? failure.type, message: failure.message },
    incompleteDetails: null,
    completedAt: null,
    extras: flavor.extras?.("done"),
  };
}
