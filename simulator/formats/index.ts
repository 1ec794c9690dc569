// Every wire format the simulator speaks. A new vendor adds its folder and one line here.
import { createAnthropicFormat } from "./anthropic/index.ts";
import { createAzureFormat } from "./azure/index.ts";
import { createBedrockFormat } from "./bedrock/index.ts";
import { createCohereFormat } from "./cohere/index.ts";
import { createGoogleFormat } from "./google/index.ts";
import { createOpenAiFormat } from "./openai/index.ts";
import type { CreateWireFormat } from "./wire-format.ts";

export const WIRE_FORMATS: CreateWireFormat[] = [
  createBedrockFormat,
  createOpenAiFormat,
  createAzureFormat,
  createAnthropicFormat,
  createGoogleFormat,
  createCohereFormat,
];
