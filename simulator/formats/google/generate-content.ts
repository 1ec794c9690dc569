// POST /v1beta/models/{model}:generateContent and :streamGenerateContent (SSE with alt=sse):
// a deterministic answer as a GenerateContentResponse or a stream of partial ones.
import * as v from "valibot";
import { planAnswer } from "../../common/answer.ts";
import { waitBeforeAnswer } from "../../common/endpoint.ts";
import { streamResponse } from "../../common/event-stream.ts";
import { jsonResponse } from "../../common/http.ts";
import { randomId } from "../../common/random.ts";
import type { SimulatorState } from "../../common/state.ts";
import { describeIssue } from "../../common/validation.ts";
import { openGoogleEndpoint } from "./endpoint.ts";
import { googleErrorResponse, googleInvalidRequest } from "./errors.ts";
import { missingSignatureProblem, promptTokens, thinkingOf, toAnswerRequest } from "./prompt.ts";
import { generateContentRequestSchema } from "./request.ts";
import { generateContentBody } from "./response.ts";
import { schemaProblem } from "./schema-check.ts";
import { generateContentEvents } from "./stream.ts";

export function createGenerateContentHandler(state: SimulatorState) {
  return async (request: Request): Promise<Response> => {
    const opened = await openGoogleEndpoint(request, state);
    if (opened.kind === "answered") return opened.response;
    const parsed = v.safeParse(generateContentRequestSchema, opened.body);
    if (!parsed.success) return googleInvalidRequest(describeIssue(parsed.issues));
    const generate = parsed.output;
    const problem = schemaProblem(generate) ?? missingSignatureProblem(opened.model, generate);
    if (problem) return googleErrorResponse(400, problem);

    const answer = planAnswer(toAnswerRequest(opened.model, generate));
    const prompt = promptTokens(generate);
    const meta = {
      responseId: randomId("", 22),
      modelVersion: opened.model,
      includeThoughts: thinkingOf(generate)?.includeThoughts === true,
    };

    await waitBeforeAnswer(opened.timing, opened.streaming, answer.outputTokens);
    if (!opened.streaming) return jsonResponse(generateContentBody(meta, answer, prompt));
    const plan = {
      tokensPerSecond: opened.timing.profile.tokens_per_second,
      cutAfterChunks: opened.timing.cutAfterChunks,
    };
    return streamResponse(generateContentEvents(meta, answer, prompt), plan, {});
  };
}
