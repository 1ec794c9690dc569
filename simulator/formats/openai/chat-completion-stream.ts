// The `chat.completion.chunk` stream: a role chunk, one chunk per output token, a chunk with
// the finish reason, a usage chunk with `choices: []` only when `stream_options.include_usage`
// is set, then `data: [DONE]`. Chunks are assembled from strings: streams are the hot path of
// the benchmarks and every chunk shares the same head.
import type { Answer } from "../../common/answer.ts";
import type { StreamEvent } from "../../common/event-stream.ts";
import { type ChatUsage, type CompletionMeta, finishReason } from "./chat-completion.ts";

export function chatCompletionEvents(
  meta: CompletionMeta,
  answer: Answer,
  usage: ChatUsage,
  includeUsage: boolean,
): StreamEvent[] {
  const head =
    `data: {"id":${JSON.stringify(meta.id)},"object":"chat.completion.chunk","created":${meta.created},` +
    `"model":${JSON.stringify(meta.model)},"service_tier":"default",` +
    `"system_fingerprint":${JSON.stringify(meta.systemFingerprint)},"choices":[`;
  // With include_usage, OpenAI adds `"usage":null` to every chunk before the usage chunk.
  const tail = includeUsage ? `],"usage":null}\n\n` : "]}\n\n";
  const choice = (delta: string, finish: string | null) =>
    `{"index":0,"delta":${delta},"logprobs":null,"finish_reason":${finish === null ? "null" : JSON.stringify(finish)}}`;
  // Reasoning happens before the first visible token: its tokens pace the wait after the role chunk.
  const reasoningTokens = answer.reasoning?.tokens ?? 0;
  const events: StreamEvent[] = [];
  const { content } = answer;

  if (content.kind === "text") {
    const role = `{"role":"assistant","content":"","refusal":null}`;
    events.push({ frame: head + choice(role, null) + tail, tokens: reasoningTokens });
    for (const piece of content.pieces) {
      events.push({
        frame: `${head}${choice(`{"content":${JSON.stringify(piece)}}`, null)}${tail}`,
        tokens: 1,
      });
    }
  } else {
    const start = JSON.stringify({
      role: "assistant",
      content: null,
      tool_calls: [
        {
          index: 0,
          id: meta.toolCallId,
          type: "function",
          function: { name: content.name, arguments: "" },
        },
      ],
      refusal: null,
    });
    events.push({ frame: head + choice(start, null) + tail, tokens: reasoningTokens + 1 });
    for (const piece of content.pieces) {
      const delta = `{"tool_calls":[{"index":0,"function":{"arguments":${JSON.stringify(piece)}}}]}`;
      events.push({ frame: head + choice(delta, null) + tail, tokens: 1 });
    }
  }

  events.push({ frame: head + choice("{}", finishReason(answer.finish)) + tail, tokens: 0 });
  if (includeUsage) {
    events.push({ frame: `${head}],"usage":${JSON.stringify(usage)}}\n\n`, tokens: 0 });
  }
  events.push({ frame: "data: [DONE]\n\n", tokens: 0 });
  return events;
}
