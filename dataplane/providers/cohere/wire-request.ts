// The Chat v2 request body as modelux writes it (snake_case, as on the wire). Writer-side types
// only: what Cohere receives from us is built here, never parsed.

export interface CohereTextPart {
  type: "text";
  text: string;
}

export interface CohereThinkingPart {
  type: "thinking";
  thinking: string;
}

export interface CohereToolCall {
  id: string;
  type: "function";
  function: { name: string; arguments: string };
}

export type CohereMessage =
  | { role: "system"; content: string | CohereTextPart[] }
  | { role: "user"; content: string | CohereTextPart[] }
  | {
      role: "assistant";
      content?: Array<CohereTextPart | CohereThinkingPart>;
      tool_calls?: CohereToolCall[];
    }
  | { role: "tool"; tool_call_id: string; content: string };

export interface CohereTool {
  type: "function";
  function: { name: string; description?: string; parameters: Record<string, unknown> };
}

/** A document the model may cite; `data` holds string fields (`text`, `title`). */
export interface CohereDocument {
  id?: string;
  data: Record<string, string>;
}

export type CohereResponseFormat =
  | { type: "text" }
  | { type: "json_object"; json_schema?: Record<string, unknown> };

export interface CohereChatRequest {
  model: string;
  messages: CohereMessage[];
  stream: boolean;
  tools?: CohereTool[];
  strict_tools?: boolean;
  /** Absent = the model chooses (auto). */
  tool_choice?: "REQUIRED" | "NONE";
  documents?: CohereDocument[];
  max_tokens?: number;
  temperature?: number;
  p?: number;
  k?: number;
  stop_sequences?: string[];
  presence_penalty?: number;
  frequency_penalty?: number;
  response_format?: CohereResponseFormat;
  thinking?: { type: "enabled" | "disabled"; token_budget?: number };
}
