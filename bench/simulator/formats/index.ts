// Every wire format the simulator speaks. A new vendor adds its folder and one line here.
import { createAnthropicFormat } from "./anthropic/index.ts";
import { createOpenAiFormat } from "./openai/index.ts";
import type { CreateWireFormat } from "./wire-format.ts";

export const WIRE_FORMATS: CreateWireFormat[] = [createOpenAiFormat, createAnthropicFormat];
