// The Converse request body as the gateway writes it: only the members it fills. Responses
// are read through the lenient schemas in converse-schemas.ts instead.
export interface CachePointBlock {
  cachePoint: { type: "default"; ttl?: "5m" | "1h" };
}

export interface ImageBlock {
  image: { format: "png" | "jpeg" | "gif" | "webp"; source: { bytes: string } };
}

export interface DocumentBlock {
  document: { format: string; name: string; source: { bytes: string } };
}

export type ToolResultPart = { text: string } | ImageBlock | { json: unknown };

export type ContentBlock =
  | { text: string }
  | ImageBlock
  | DocumentBlock
  | { toolUse: { toolUseId: string; name: string; input: unknown } }
  | { toolResult: { toolUseId: string; content: ToolResultPart[]; status?: "success" | "error" } }
  | {
      reasoningContent:
        | { reasoningText: { text: string; signature?: string } }
        | { redactedContent: string };
    }
  | CachePointBlock;

export interface Message {
  role: "user" | "assistant";
  content: ContentBlock[];
}

export type SystemBlock = { text: string } | CachePointBlock;

export type Tool =
  | {
      toolSpec: {
        name: string;
        description?: string;
        inputSchema: { json: Record<string, unknown> };
      };
    }
  | CachePointBlock;

export type ToolChoice =
  | { auto: Record<string, never> }
  | { any: Record<string, never> }
  | {
      tool: { name: string };
    };

export interface ConverseBody {
  messages: Message[];
  system?: SystemBlock[];
  inferenceConfig?: {
    maxTokens?: number;
    temperature?: number;
    topP?: number;
    stopSequences?: string[];
  };
  toolConfig?: { tools: Tool[]; toolChoice?: ToolChoice };
  additionalModelRequestFields?: Record<string, unknown>;
}
