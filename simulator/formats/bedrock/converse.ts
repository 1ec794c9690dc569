// POST /model/{modelId}/converse and /converse-stream: a deterministic answer as a Converse
// response or an event stream of binary frames.
import * as v from "valibot";
import { planAnswer } from "../../common/answer.ts";
import { waitBeforeAnswer } from "../../common/endpoint.ts";
import { jsonResponse } from "../../common/http.ts";
import { randomId } from "../../common/random.ts";
import type { SimulatorState } from "../../common/state.ts";
import { describeIssue } from "../../common/validation.ts";
import { converseBody, converseUsage } from "./converse-output.ts";
import { inputTokens, toAnswerRequest } from "./converse-prompt.ts";
import { conversationProblem, converseRequestSchema } from "./converse-request.ts";
import { converseStreamEvents } from "./converse-stream.ts";
import { openBedrockEndpoint } from "./endpoint.ts";
import { bedrockErrorResponse, bedrockInvalidRequest } from "./errors.ts";
import { binaryStreamResponse } from "./event-stream-response.ts";
import { promptCacheUsage } from "./prompt-caching.ts";

export function createConverseHandler(state: SimulatorState, streaming: boolean) {
  return async (request: Request): Promise<Response> => {
    const startedAt = performance.now();
    const opened = await openBedrockEndpoint(request, state, streaming);
    if (opened.kind === "answered") return opened.response;
    const parsed = v.safeParse(converseRequestSchema, opened.body);
    if (!parsed.success) return bedrockInvalidRequest(describeIssue(parsed.issues));
    const converse = parsed.output;
    const problem = conversationProblem(converse);
    if (problem) return bedrockErrorResponse(400, problem);

    const answer = planAnswer(toAnswerRequest(converse, opened.model));
    const cache = promptCacheUsage(converse, opened.model, state.promptCache);
    const usage = converseUsage(inputTokens(converse), cache, answer);
    const toolUseId = randomId("tooluse_", 22);
    const headers = { "x-amzn-requestid": crypto.randomUUID() };

    await waitBeforeAnswer(opened.timing, streaming, answer.outputTokens);
    const latencyMs = Math.round(performance.now() - startedAt);
    if (!streaming)
      return jsonResponse(converseBody(answer, usage, toolUseId, latencyMs), 200, headers);
    const plan = {
      tokensPerSecond: opened.timing.profile.tokens_per_second,
      cutAfterChunks: opened.timing.cutAfterChunks,
    };
    return binaryStreamResponse(
      converseStreamEvents(answer, usage, toolUseId, latencyMs),
      plan,
      headers,
    );
  };
}
