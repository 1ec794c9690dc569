// What Converse can carry for the gateway. Per-model limits (not every Bedrock model takes
// images, tools or thinking) are Bedrock's to report; these are the API's.
import type { Capabilities } from "../adapter.ts";

export const bedrockCapabilities: Capabilities = {
  tools: true,
  streamingTools: true,
  vision: true,
  // Emulated through a forced tool call (see convert-tools.ts).
  json: true,
  thinking: true,
  promptCaching: true,
  documents: true,
  embeddings: false,
};
