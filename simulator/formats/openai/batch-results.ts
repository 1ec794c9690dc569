// Runs an OpenAI batch's input file line by line through the simulator's own endpoints (chat
// completions, embeddings), as OpenAI's batch runner does: each line's answer becomes an output
// line, each failure an error line, in the Batch API's output format.
import { randomId } from "../../common/random.ts";
import type { SimulatorState } from "../../common/state.ts";
import { createChatCompletionsHandler } from "./chat-completions.ts";
import { createEmbeddingsHandler } from "./embeddings.ts";

export interface BatchLineResults {
  output: string[];
  errors: string[];
  total: number;
  /** Summed usage of the lines that answered (the batch object's `usage`). */
  usage: { input_tokens: number; output_tokens: number; total_tokens: number };
}

/** The endpoints a batch may name, as the input lines' `url` and the batch's `endpoint`. */
export const BATCH_ENDPOINTS = ["/v1/chat/completions", "/v1/embeddings"] as const;

/** Why the input cannot run as a batch on `endpoint` (OpenAI fails it at validation), or null. */
export function invalidInput(
  lines: string[],
  endpoint: string,
): { line: number; message: string } | null {
  const seen = new Set<string>();
  for (const [index, text] of lines.entries()) {
    const parsed = parseLine(text);
    const line = index + 1;
    if (parsed === null) return { line, message: "Invalid JSON line." };
    if (typeof parsed.custom_id !== "string") return { line, message: "Missing custom_id." };
    if (seen.has(parsed.custom_id))
      return { line, message: `Duplicate custom_id: ${parsed.custom_id}.` };
    seen.add(parsed.custom_id);
    if (parsed.method !== "POST") return { line, message: "method must be POST." };
    if (parsed.url !== endpoint)
      return {
        line,
        message: `The url ${String(parsed.url)} does not match the batch endpoint ${endpoint}.`,
      };
    if (typeof parsed.body !== "object" || parsed.body === null)
      return { line, message: "Missing body." };
  }
  return lines.length === 0 ? { line: 0, message: "The input file is empty." } : null;
}

export async function runBatchLines(
  state: SimulatorState,
  lines: string[],
  endpoint: string,
): Promise<BatchLineResults> {
  const handle =
    endpoint === "/v1/embeddings"
      ? createEmbeddingsHandler(state)
      : createChatCompletionsHandler(state);
  const results: BatchLineResults = {
    output: [],
    errors: [],
    total: lines.length,
    usage: { input_tokens: 0, output_tokens: 0, total_tokens: 0 },
  };
  for (const text of lines) {
    const parsed = parseLine(text) as { custom_id: string; body: Record<string, unknown> };
    const answer = await handle(
      new Request(`http://simulator${endpoint}`, {
        method: "POST",
        headers: { authorization: "Bearer batch", "content-type": "application/json" },
        body: JSON.stringify({ ...parsed.body, stream: false }),
      }),
    );
    const body = (await answer.json()) as Record<string, unknown>;
    const line = {
      id: randomId("batch_req_", 32),
      custom_id: parsed.custom_id,
      response: {
        status_code: answer.status,
        request_id: answer.headers.get("x-request-id") ?? randomId("req_", 32),
        body,
      },
      error: null,
    };
    if (answer.ok) {
      results.output.push(JSON.stringify(line));
      const usage = body.usage as
        | { prompt_tokens?: number; completion_tokens?: number }
        | undefined;
      results.usage.input_tokens += usage?.prompt_tokens ?? 0;
      results.usage.output_tokens += usage?.completion_tokens ?? 0;
    } else {
      results.errors.push(JSON.stringify(line));
    }
  }
  results.usage.total_tokens = results.usage.input_tokens + results.usage.output_tokens;
  return results;
}

/** The error line of a request the batch never ran (expired or cancelled first). */
export function expiredLine(text: string): string {
  const parsed = parseLine(text);
  return JSON.stringify({
    id: randomId("batch_req_", 32),
    custom_id: parsed?.custom_id ?? null,
    response: null,
    error: {
      code: "batch_expired",
      message: "This request could not be executed before the completion window expired.",
    },
  });
}

function parseLine(text: string): Record<string, unknown> | null {
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

/** The non-empty lines of a JSONL text. */
export function jsonlLines(text: string): string[] {
  return text.split("\n").filter((line) => line.trim() !== "");
}
