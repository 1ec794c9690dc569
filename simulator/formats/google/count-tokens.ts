// POST /v1beta/models/{model}:countTokens: the promptTokenCount generateContent would report,
// for `{contents}` or a whole `{generateContentRequest}`.
import * as v from "valibot";
import { jsonResponse } from "../../common/http.ts";
import type { SimulatorState } from "../../common/state.ts";
import { describeIssue } from "../../common/validation.ts";
import { openGoogleEndpoint } from "./endpoint.ts";
import { googleInvalidRequest } from "./errors.ts";
import { promptTokens } from "./prompt.ts";
import { promptRequestSchema } from "./request.ts";

export function createCountTokensHandler(state: SimulatorState) {
  return async (request: Request): Promise<Response> => {
    const opened = await openGoogleEndpoint(request, state);
    if (opened.kind === "answered") return opened.response;
    const { body } = opened;
    const prompt = "generateContentRequest" in body ? body.generateContentRequest : body;
    const parsed = v.safeParse(promptRequestSchema, prompt);
    if (!parsed.success) return googleInvalidRequest(describeIssue(parsed.issues));
    const totalTokens = promptTokens(parsed.output);
    return jsonResponse({
      totalTokens,
      promptTokensDetails: [{ modality: "TEXT", tokenCount: totalTokens }],
    });
  };
}
