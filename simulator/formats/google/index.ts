// The Gemini API wire format: generateContent, streamGenerateContent?alt=sse, countTokens and
// the model list, under /v1beta (the REST default) and /v1 (the @google/genai SDK's default).
// The method follows the model in one path segment (`models/gemini-2.5-flash:generateContent`),
// so one route takes every POST and dispatches on it.
import type { SimulatorState } from "../../common/state.ts";
import type { FormatRoute, WireFormat } from "../wire-format.ts";
import { isGoogleRequest, modelAndMethod } from "./api.ts";
import { createCountTokensHandler } from "./count-tokens.ts";
import { googleErrorResponse } from "./errors.ts";
import { createGenerateContentHandler } from "./generate-content.ts";
import { getGoogleModel, listGoogleModels } from "./models.ts";

const API_VERSIONS = ["/v1beta", "/v1"];

export function createGoogleFormat(state: SimulatorState): WireFormat {
  const generate = createGenerateContentHandler(state);
  const countTokens = createCountTokensHandler(state);
  const post = (request: Request) => {
    const { method } = modelAndMethod(request);
    if (method === "generateContent" || method === "streamGenerateContent")
      return generate(request);
    if (method === "countTokens") return countTokens(request);
    return googleErrorResponse(
      404,
      `Method ${method || "(none)"} is not found for the simulated model.`,
    );
  };
  const routes = API_VERSIONS.flatMap((version): FormatRoute[] => [
    { method: "POST", path: `${version}/models/:modelMethod`, handle: post },
    // OpenAI and Anthropic serve GET /v1/models too; a Google key tells this one apart.
    {
      method: "GET",
      path: `${version}/models`,
      recognizes: isGoogleRequest,
      handle: listGoogleModels,
    },
    {
      method: "GET",
      path: `${version}/models/:model`,
      recognizes: isGoogleRequest,
      handle: getGoogleModel,
    },
  ]);
  return { name: "google", routes };
}
