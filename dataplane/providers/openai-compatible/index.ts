// One adapter per OpenAI-compatible host, all on the OpenAI converters: a host differs only in
// base URL and the dialect declared in vendors.ts.
import { GatewayError } from "#shared/errors/gateway-error.ts";
import type { AdapterTarget, ProviderAdapter } from "../adapter.ts";
import { joinUrl, openAiApi } from "../openai/api.ts";
import type { ChatDialect } from "../openai/capabilities.ts";
import { createChatCompletionsAdapter } from "../openai/chat-adapter.ts";
import {
  type CompatibleVendor,
  GENERIC_COMPATIBLE_VENDOR,
  OPENAI_COMPATIBLE_VENDORS,
} from "./vendors.ts";

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
        baseUrlOf(name, vendor, target),
        endpoint === "chat" ? openAiApi.chatPath : openAiApi.embeddingsPath,
      ),
    authHeaders: (target) => openAiApi.headers(target.provider.credential),
    ...(vendor.responses && {
      responsesUrl: (target: AdapterTarget, path: string) =>
        joinUrl(baseUrlOf(name, vendor, target), `${openAiApi.responsesPath}${path}`),
    }),
  });
}

/** The provider's base_url, else the host's public one; a host without one needs base_url. */
function baseUrlOf(name: string, vendor: CompatibleVendor, target: AdapterTarget): string {
  const base = target.provider.baseUrl ?? vendor.baseUrl;
  if (!base) {
    throw new GatewayError(
      "upstream_error",
      `${name} provider "${target.provider.name}" has no base_url (e.g. http://localhost:8000/v1)`,
    );
  }
  return base;
}

export const openAiCompatibleAdapters: Record<string, ProviderAdapter> = Object.fromEntries(
  Object.entries(OPENAI_COMPATIBLE_VENDORS).map(([name, vendor]) => [
    name,
    createOpenAiCompatibleAdapter(name, vendor),
  ]),
);

/** `openai-compatible`: any other Chat Completions host, at the provider's own base_url. */
export const genericCompatibleAdapter: ProviderAdapter = createOpenAiCompatibleAdapter(
  "openai-compatible",
  GENERIC_COMPATIBLE_VENDOR,
);
