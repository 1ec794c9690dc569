// What Gemini can carry. Prompt caching is implicit on Gemini (reported as
// cachedContentTokenCount, never asked for): there are no per-block cache markers to send.
import type { Capabilities } from "../adapter.ts";

export const googleCapabilities: Capabilities = {
  tools: true,
  streamingTools: true,
  vision: true,
  json: true,
  thinking: true,
  promptCaching: false,
  documents: true,
  embeddings: false,
};
