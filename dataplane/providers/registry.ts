// Vendor name → adapter. The only place that lists vendors; everything else asks here.
import type { ProviderAdapter } from "./adapter.ts";
import { anthropicAdapter } from "./anthropic/index.ts";
import { azureAdapter } from "./azure/index.ts";
import { bedrockAdapter } from "./bedrock/index.ts";
import { cohereAdapter } from "./cohere/index.ts";
import { googleAdapter } from "./google/index.ts";
import { openAiAdapter } from "./openai/index.ts";
import { genericCompatibleAdapter, openAiCompatibleAdapters } from "./openai-compatible/index.ts";

const ADAPTERS: ReadonlyMap<string, ProviderAdapter> = new Map<string, ProviderAdapter>([
  ["openai", openAiAdapter],
  ["azure", azureAdapter],
  ["anthropic", anthropicAdapter],
  ["google", googleAdapter],
  ["bedrock", bedrockAdapter],
  ["cohere", cohereAdapter],
  ...Object.entries(openAiCompatibleAdapters),
  ["openai-compatible", genericCompatibleAdapter],
]);

export function adapterFor(vendor: string): ProviderAdapter | undefined {
  return ADAPTERS.get(vendor);
}

export function supportedVendors(): string[] {
  return [...ADAPTERS.keys()].sort();
}
