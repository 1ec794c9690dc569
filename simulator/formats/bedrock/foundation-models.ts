// ListFoundationModels (`GET /foundation-models` on the Bedrock control endpoint,
// bedrock.{region}.amazonaws.com): the credential check's call. Signed like the runtime's
// calls (SigV4, form checked only); the answer is `{modelSummaries}` as the API reference shows.
import { jsonResponse } from "../../common/http.ts";
import { authenticationFailure } from "./api.ts";

const REGION = "us-east-1";

export const BEDROCK_FOUNDATION_MODELS = [
  {
    modelId: "anthropic.claude-3-5-haiku-20241022-v1:0",
    modelName: "Claude 3.5 Haiku",
    providerName: "Anthropic",
  },
  {
    modelId: "anthropic.claude-sonnet-4-20250514-v1:0",
    modelName: "Claude Sonnet 4",
    providerName: "Anthropic",
  },
  { modelId: "amazon.nova-lite-v1:0", modelName: "Nova Lite", providerName: "Amazon" },
  {
    modelId: "meta.llama3-1-70b-instruct-v1:0",
    modelName: "Llama 3.1 70B Instruct",
    providerName: "Meta",
  },
];

export function listFoundationModels(request: Request): Response {
  const failure = authenticationFailure(request);
  if (failure) return failure;
  const byProvider = new URL(request.url).searchParams.get("byProvider")?.toLowerCase();
  const modelSummaries = BEDROCK_FOUNDATION_MODELS.filter(
    (model) => !byProvider || model.providerName.toLowerCase() === byProvider,
  ).map((model) => ({
    modelArn: `arn:aws:bedrock:${REGION}::foundation-model/${model.modelId}`,
    modelId: model.modelId,
    modelName: model.modelName,
    providerName: model.providerName,
    inputModalities: ["TEXT"],
    outputModalities: ["TEXT"],
    responseStreamingSupported: true,
    customizationsSupported: [],
    inferenceTypesSupported: ["ON_DEMAND"],
    modelLifecycle: { status: "ACTIVE" },
  }));
  return jsonResponse({ modelSummaries });
}
