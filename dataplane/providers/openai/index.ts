// The OpenAI adapter: Chat Completions (translated or same-shape), Embeddings, Responses, Files
// and Batches (same-shape).
import type { ProviderAdapter } from "../adapter.ts";
import { joinUrl, openAiApi } from "./api.ts";
import { openAiDialect } from "./capabilities.ts";
import { createChatCompletionsAdapter } from "./chat-adapter.ts";

export const openAiAdapter: ProviderAdapter = createChatCompletionsAdapter({
  vendor: "openai",
  defaultBaseUrl: openAiApi.defaultBaseUrl,
  dialect: openAiDialect,
  url: (target, endpoint) =>
    joinUrl(
      target.provider.baseUrl ?? openAiApi.defaultBaseUrl,
      endpoint === "chat" ? openAiApi.chatPath : openAiApi.embeddingsPath,
    ),
  authHeaders: (target) => openAiApi.headers(target.provider.credential),
  responsesUrl: (target, path) =>
    joinUrl(
      target.provider.baseUrl ?? openAiApi.defaultBaseUrl,
      `${openAiApi.responsesPath}${path}`,
    ),
  storedResourceUrl: (provider, resource, path) =>
    joinUrl(provider.baseUrl ?? openAiApi.defaultBaseUrl, `/${resource}${path}`),
});
