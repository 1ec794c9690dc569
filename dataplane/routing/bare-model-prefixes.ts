// Bare model names resolve to a vendor by prefix (DESIGN §4 step 3).
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
