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

/**
 * OpenTelemetry's `gen_ai.provider.name` for a vendor: the conventions' well-known value where it
 * differs from the vendor's name here, else the name itself.
 */
const GEN_AI_PROVIDER_NAMES: Readonly<Record<string, string>> = {
  azure: "azure.ai.openai",
  bedrock: "aws.bedrock",
  google: "gcp.gemini",
  mistral: "mistral_ai",
  xai: "x_ai",
};

export function genAiProviderName(vendor: string): string {
  return GEN_AI_PROVIDER_NAMES[vendor] ?? vendor;
}
