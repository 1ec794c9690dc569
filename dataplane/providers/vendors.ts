// What generic code may know of a vendor: its wire shape and how to reach it. Everything else
// stays in dataplane/providers/<vendor>/.
import { anthropicApi } from "./anthropic/api.ts";
import { openAiApi } from "./openai/api.ts";

export type WireShape = "openai" | "anthropic";

export interface VendorApi {
  readonly shape: WireShape;
  readonly defaultBaseUrl: string;
  headers(credential: string): Record<string, string>;
  readonly chatPath: string;
}

const VENDORS: Record<string, VendorApi> = {
  openai: openAiApi,
  anthropic: anthropicApi,
};

export function vendorApi(vendor: string): VendorApi | undefined {
  return VENDORS[vendor];
}

/** Bare model names resolve by prefix (DESIGN §4 step 3). */
export const BARE_MODEL_PREFIXES: ReadonlyArray<{ prefix: string; vendor: string }> = [
  { prefix: "gpt-", vendor: "openai" },
  { prefix: "o1", vendor: "openai" },
  { prefix: "o3", vendor: "openai" },
  { prefix: "o4", vendor: "openai" },
  { prefix: "text-embedding-", vendor: "openai" },
  { prefix: "claude-", vendor: "anthropic" },
  { prefix: "gemini-", vendor: "google" },
];

export function inferVendor(model: string): string | undefined {
  return BARE_MODEL_PREFIXES.find((entry) => model.startsWith(entry.prefix))?.vendor;
}
