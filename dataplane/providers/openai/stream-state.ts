// Chat Completions chunks → canonical stream events, one chunk at a time. Content indexes follow
// the final message: each run of thinking or text opens a block, each tool call its own block
// (OpenAI's tool_calls[i].index is mapped to the next free canonical index). The finish reason
// is held until the stream ends because OpenAI and xAI send usage in a chunk after it.
import type { StopReason } from "#shared/canonical/response.ts";
import type { CanonicalStreamEvent } from "#shared/canonical/stream-events.ts";
import { redactSecrets } from "#shared/errors/upstream-error.ts";
import { mapOpenAiFinishReason } from "../../wire/openai/finish-reason.ts";
import { classifyOpenAiError } from "../../wire/openai/upstream-error.ts";
import { convertOpenAiUsage } from "../../wire/openai/usage.ts";
import { generateToolCallId, thinkingText } from "./convert-response.ts";

interface ToolBlock {
  index: number;
  id: string;
  ended: boolean;
}

type OpenBlock = { kind: "text" | "thinking"; index: number } | { kind: "tool"; tool: ToolBlock };

export class ChatStreamState {
  private started = false;
  private nextIndex = 0;
  private open: OpenBlock | undefined;
  /** By OpenAI's index (or id when a host sends none). */
  private readonly tools = new Map<number | string, ToolBlock>();
  private readonly allTools: ToolBlock[] = [];
  private lastTool: ToolBlock | undefined;
  private finishReason: StopReason | undefined;
  private refused = false;
  /** Set once an `error` event went out; nothing follows it. */
  failed = false;

  constructor(private readonly vendor: string) {}

  /** One parsed `data:` payload. */
  push(chunk: unknown, events: CanonicalStreamEvent[]): void {
    if (!isRecord(chunk) || this.failed) return;
    if (chunk.error !== undefined && chunk.error !== null) {
      this.fail(events, chunk.error);
      return;
    }
    const id = typeof chunk.id === "string" ? chunk.id : "";
    const model = typeof chunk.model === "string" ? chunk.model : "";
    // Azure opens with a prompt-filter chunk whose id and model are empty.
    if (!this.started && (id !== "" || model !== "")) this.start(events, id, model);

    const choice = Array.isArray(chunk.choices) ? chunk.choices[0] : undefined;
    if (isRecord(choice)) {
      if (isRecord(choice.delta)) this.pushDelta(choice.delta, events);
      if (typeof choice.finish_reason === "string") {
        this.finishReason = mapOpenAiFinishReason(choice.finish_reason);
      }
    }
    const groq = isRecord(chunk.x_groq) ? chunk.x_groq : undefined;
    const usage = convertOpenAiUsage(chunk.usage ?? groq?.usage);
    if (usage) events.push({ type: "usage", usage });
  }

  /** The stream is over (`[DONE]` or end of body). */
  finish(events: CanonicalStreamEvent[]): void {
    if (this.failed) return;
    if (this.finishReason === undefined) {
      this.fail(events, { message: "the stream ended before a finish_reason" });
      return;
    }
    this.closeOpen(events);
    for (const tool of this.allTools) this.endTool(tool, events);
    events.push({ type: "message-end", stopReason: this.refused ? "refusal" : this.finishReason });
  }

  /** The body could not be read or a payload was not JSON. */
  fail(events: CanonicalStreamEvent[], error: unknown, code?: string): void {
    if (this.failed) return;
    this.failed = true;
    const body = isRecord(error) ? error : { message: String(error) };
    const message = typeof body.message === "string" ? body.message : "upstream stream error";
    events.push({
      type: "error",
      code: code ?? classifyOpenAiError(0, body),
      message: `${this.vendor}: ${redactSecrets(message)}`,
    });
  }

  private start(events: CanonicalStreamEvent[], id: string, model: string): void {
    this.started = true;
    events.push({ type: "message-start", id, model });
  }

  private pushDelta(delta: Record<string, unknown>, events: CanonicalStreamEvent[]): void {
    const reasoning = delta.reasoning_content ?? delta.reasoning;
    if (typeof reasoning === "string") this.pushText("thinking", reasoning, events);
    const content = delta.content;
    if (typeof content === "string") this.pushText("text", content, events);
    else if (Array.isArray(content)) {
      for (const part of content) {
        if (!isRecord(part)) continue;
        if (part.type === "text" && typeof part.text === "string") {
          this.pushText("text", part.text, events);
        } else if (part.type === "thinking") {
          this.pushText("thinking", thinkingText(part.thinking), events);
        }
      }
    }
    if (typeof delta.refusal === "string" && delta.refusal !== "") {
      this.refused = true;
      this.pushText("text", delta.refusal, events);
    }
    if (Array.isArray(delta.tool_calls)) {
      delta.tool_calls.forEach((call, position) => {
        if (isRecord(call)) this.pushToolCall(call, position, events);
      });
    }
  }

  private pushText(kind: "text" | "thinking", text: string, events: CanonicalStreamEvent[]): void {
    if (text === "") return;
    this.ensureStarted(events);
    if (this.open?.kind !== kind) {
      this.closeOpen(events);
      this.open = { kind, index: this.nextIndex++ };
    }
    const index = this.open.index;
    events.push(
      kind === "text"
        ? { type: "text-delta", index, text }
        : { type: "thinking-delta", index, text },
    );
  }

  private pushToolCall(
    call: Record<string, unknown>,
    position: number,
    events: CanonicalStreamEvent[],
  ): void {
    const fn = isRecord(call.function) ? call.function : {};
    const id = typeof call.id === "string" && call.id !== "" ? call.id : undefined;
    let tool = this.findTool(call, id, position);
    if (!tool) {
      this.ensureStarted(events);
      this.closeOpen(events);
      tool = { index: this.nextIndex++, id: id ?? generateToolCallId(), ended: false };
      this.tools.set(typeof call.index === "number" ? call.index : tool.id, tool);
      this.allTools.push(tool);
      const name = typeof fn.name === "string" ? fn.name : "";
      events.push({ type: "tool-call-start", index: tool.index, id: tool.id, name });
      this.open = { kind: "tool", tool };
    }
    this.lastTool = tool;
    const args = fn.arguments;
    const argumentsDelta =
      typeof args === "string" ? args : isRecord(args) ? JSON.stringify(args) : "";
    if (argumentsDelta !== "") {
      events.push({ type: "tool-call-delta", index: tool.index, argumentsDelta });
    }
  }

  /**
   * OpenAI numbers tool calls with `index`. Mistral leaves it out and sends each call whole, so a
   * call without an index is known by its id, and one without either continues the last call.
   */
  private findTool(
    call: Record<string, unknown>,
    id: string | undefined,
    position: number,
  ): ToolBlock | undefined {
    const key = typeof call.index === "number" ? call.index : id;
    if (key === undefined) return position === 0 ? this.lastTool : undefined;
    const tool = this.tools.get(key);
    // Some hosts number every call 0: a new id at a known index is a new call.
    return tool && id !== undefined && tool.id !== id ? undefined : tool;
  }

  private ensureStarted(events: CanonicalStreamEvent[]): void {
    if (!this.started) this.start(events, "", "");
  }

  private closeOpen(events: CanonicalStreamEvent[]): void {
    if (this.open?.kind === "tool") this.endTool(this.open.tool, events);
    this.open = undefined;
  }

  private endTool(tool: ToolBlock, events: CanonicalStreamEvent[]): void {
    if (tool.ended) return;
    tool.ended = true;
    events.push({ type: "tool-call-end", index: tool.index });
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
