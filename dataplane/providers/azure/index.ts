// The Azure OpenAI adapter: OpenAI's converters and dialect, Azure's URLs and `api-key` auth;
// the Responses API, files and batches pass through to the resource's v1 surface.
// The token-limit and reasoning rules read `target.model`, so name deployments after their model
// or map model names to deployments in `options.deployments`.
import type { ProviderAdapter } from "../adapter.ts";
import { openAiDialect } from "../openai/capabilities.ts";
import { createChatCompletionsAdapter } from "../openai/chat-adapter.ts";
import {
  azureApi,
  azureDeployment,
  azureResponsesUrl,
  azureStoredResourceUrl,
  azureUrl,
} from "./api.ts";

export const azureAdapter: ProviderAdapter = createChatCompletionsAdapter({
  vendor: "azure",
  defaultBaseUrl: azureApi.defaultBaseUrl,
  dialect: { ...openAiDialect, target: "azure" },
  url: azureUrl,
  authHeaders: (target) => azureApi.headers(target.provider.credential),
  responsesUrl: azureResponsesUrl,
  responsesModel: azureDeployment,
  storedResourceUrl: azureStoredResourceUrl,
});
