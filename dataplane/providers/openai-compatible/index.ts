// One adapter per OpenAI-compatible host, all on the OpenAI converters: a host differs only in
// base URL and the dialect declared in vendors.ts.
import type { ProviderAdapter } from "../adapter.ts";
import { joinUrl, openAiApi } from "../openai/api.ts";
import type { ChatDialect } from "../openai/capabilities.ts";
import { createChatCompletionsAdapter } from "../openai/chat-adapter.ts";
import { type CompatibleVendor, OPENAI_COMPATIBLE_VENDORS } from "./vendors.ts";

export { OPENAI_COMPATIBLE_VENDORS } from "./vendors.ts";

/** Hosts of open models take `max_tokens` and plain `system` messages, whatever the model. */
export function compatibleDialect(name: string, vendor: CompatibleVendor): ChatDialect {
  return {
    target: name,
    capabilities: vendor.capabilities,
    jsonObject: vendor.jsonObject,
    jsonSchema: vendor.jsonSchema,
    topK: vendor.topK,
    streamOptions: vendor.streamOptions,
    unsupportedFields: vendor.unsupportedFields,
    reasoningEffort: () => vendor.reasoningEffort,
    samplingParameters: () => true,
    tokenLimitField: () => "max_tokens",
    systemRole: () => "system",
  };
}

export function createOpenAiCompatibleAdapter(
  name: string,
  vendor: CompatibleVendor,
): ProviderAdapter {
  return createChatCompletionsAdapter({
    vendor: name,
    defaultBaseUrl: vendor.baseUrl,
    dialect: compatibleDialect(name, vendor),
    url: (target, endpoint) =>
      joinUrl(
        target.provider.baseUrl ?? vendor.baseUrl,
        endpoint === "chat" ? openAiApi.chatPath : openAiApi.embeddingsPath,
      ),
    authHeaders: (target) => openAiApi.headers(target.provider.credential),
  });
}

export const openAiCompatibleAdapters: Record<string, ProviderAdapter> = Object.fromEntries(
  Object.entries(OPENAI_COMPATIBLE_VENDORS).map(([name, vendor]) => [
    name,
    createOpenAiCompatibleAdapter(name, vendor),
  ]),
);
