// GET /v1beta/models and /v1beta/models/{model} in the Gemini API's shape. The simulator answers
// any model name; the list only gives clients that enumerate models something real-looking.
import { jsonResponse } from "../../common/http.ts";
import { credentialProblem, modelAndMethod } from "./api.ts";
import { googleErrorResponse } from "./errors.ts";

export const GOOGLE_MODELS = [
  { id: "gemini-2.5-pro", displayName: "Gemini 2.5 Pro" },
  { id: "gemini-2.5-flash", displayName: "Gemini 2.5 Flash" },
  { id: "gemini-2.5-flash-lite", displayName: "Gemini 2.5 Flash-Lite" },
  { id: "gemini-3-pro-preview", displayName: "Gemini 3 Pro Preview" },
  { id: "gemini-3-flash-preview", displayName: "Gemini 3 Flash Preview" },
];

function modelObject(id: string) {
  const known = GOOGLE_MODELS.find((model) => model.id === id);
  return {
    name: `models/${id}`,
    version: "001",
    displayName: known?.displayName ?? id,
    description: `${known?.displayName ?? id}, simulated`,
    inputTokenLimit: 1_048_576,
    outputTokenLimit: 65_536,
    supportedGenerationMethods: ["generateContent", "countTokens"],
    temperature: 1,
    topP: 0.95,
    topK: 64,
    maxTemperature: 2,
    thinking: true,
  };
}

export function listGoogleModels(request: Request): Response {
  const problem = credentialProblem(request);
  if (problem) return googleErrorResponse(403, problem);
  return jsonResponse({ models: GOOGLE_MODELS.map((model) => modelObject(model.id)) });
}

export function getGoogleModel(request: Request): Response {
  const problem = credentialProblem(request);
  if (problem) return googleErrorResponse(403, problem);
  return jsonResponse(modelObject(modelAndMethod(request).model.replace(/^models\//, "")));
}
