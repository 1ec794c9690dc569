// Chat v2 stream events → canonical stream events, one payload at a time. Cohere numbers content
// parts and tool calls separately (both from 0); canonical indexes follow the final message, so
// each Cohere part or call gets the next free index when it first appears. `tool-plan-delta` and
// citation events carry nothing canonical and are skipped.
import type { StopReason } from "#shared/canonical/response.ts";
import type { CanonicalStreamEvent } from "#shared/canonical/stream-events.ts";
import { redactSecrets } from "#shared/errors/upstream-error.ts";
import { generateToolCallId } from "./convert-response.ts";
import { convertCohereUsage } from "./convert-usage.ts";
import { mapCohereFinishReason } from "./map-finish-reason.ts";

interface ToolBlock {
  index: number;
  /** Argument text seen but not yet sent: held while it could still be the word `null`. */
  held: string;
  sentAny: boolean;
  ended: boolean;
}

export class CohereStreamState {
  private started = false;
  private nextIndex = 0;
  private readonly contentIndexes = new Map<number, number>();
  private readonly tools = new Map<number, ToolBlock>();
  private stopReason: StopReason | undefined;
  /** Thinking text streamed so far, for the reasoning estimate at message-end. */
  private thinkingCharacters = 0;
  /** Set once an `error` event went out; nothing follows it. */
  failed = false;

  /** One parsed `data:` payload. */
  push(payload: unknown, events: CanonicalStreamEvent[]): void {
    if (!isRecord(payload) || this.failed) return;
    const delta = isRecord(payload.delta) ? payload.delta : {};
    const message = isRecord(delta.message) ? delta.message : {};
    const position = typeof payload.index === "number" ? payload.index : 0;
    switch (payload.type) {
      case "message-start":
        this.start(events, typeof payload.id === "string" ? payload.id : "");
        break;
      case "content-start":
      case "content-delta":
        this.pushContent(position, message.content, events);
        break;
      case "tool-call-start":
        this.startTool(position, message.tool_calls, events);
        break;
      case "tool-call-delta": {
        const call = isRecord(message.tool_calls) ? message.tool_calls : {};
        const fn = isRecord(call.function) ? call.function : {};
        const tool = this.tools.get(position);
        if (tool && typeof fn.arguments === "string")
          this.pushArguments(tool, fn.arguments, events);
        break;
      }
      case "tool-call-end": {
        const tool = this.tools.get(position);
        if (tool) this.endTool(tool, events);
        break;
      }
      case "message-end": {
        const usage = convertCohereUsage(delta.usage, this.thinkingCharacters);
        if (usage) events.push({ type: "usage", usage });
        this.stopReason = mapCohereFinishReason(
          typeof delta.finish_reason === "string" ? delta.finish_reason : undefined,
        );
        break;
      }
      case "error":
        this.fail(events, typeof payload.message === "string" ? payload.message : "stream error");
        break;
    }
  }

  /** The stream is over (`[DONE]` or end of body). */
  finish(events: CanonicalStreamEvent[]): void {
    if (this.failed) return;
    if (this.stopReason === undefined) {
      this.fail(events, "the stream ended before message-end");
      return;
    }
    for (const tool of this.tools.values()) this.endTool(tool, events);
    events.push({ type: "message-end", stopReason: this.stopReason });
  }

  fail(events: CanonicalStreamEvent[], message: string, code = "upstream_error"): void {
    if (this.failed) return;
    this.failed = true;
    events.push({ type: "error", code, message: `cohere: ${redactSecrets(message)}` });
  }

  private start(events: CanonicalStreamEvent[], id: string): void {
    if (this.started) return;
    this.started = true;
    events.push({ type: "message-start", id, model: "" });
  }

  private pushContent(position: number, content: unknown, events: CanonicalStreamEvent[]): void {
    if (!isRecord(content)) return;
    this.start(events, "");
    let index = this.contentIndexes.get(position);
    if (index === undefined) {
      index = this.nextIndex++;
      this.contentIndexes.set(position, index);
    }
    // content-start carries the part's type with empty text; deltas carry only the new text.
    if (typeof content.thinking === "string" && content.thinking !== "") {
      this.thinkingCharacters += content.thinking.length;
      events.push({ type: "thinking-delta", index, text: content.thinking });
    }
    if (typeof content.text === "string" && content.text !== "") {
      events.push({ type: "text-delta", index, text: content.text });
    }
  }

  private startTool(position: number, call: unknown, events: CanonicalStreamEvent[]): void {
    if (!isRecord(call) || this.tools.has(position)) return;
    this.start(events, "");
    const fn = isRecord(call.function) ? call.function : {};
    const name = typeof fn.name === "string" ? fn.name : "";
    const id = typeof call.id === "string" && call.id !== "" ? call.id : generateToolCallId(name);
    const tool: ToolBlock = { index: this.nextIndex++, held: "", sentAny: false, ended: false };
    this.tools.set(position, tool);
    events.push({ type: "tool-call-start", index: tool.index, id, name });
    if (typeof fn.arguments === "string") this.pushArguments(tool, fn.arguments, events);
  }

  /**
   * Arguments stream as they come, except that Cohere sends `""` or `null` for a tool without
   * parameters: text that could still become `null` is held back, and a call that ends with no
   * arguments or with `null` gets `{}`, the same input parseResponse gives it.
   */
  private pushArguments(tool: ToolBlock, text: string, events: CanonicalStreamEvent[]): void {
    if (tool.ended || text === "") return;
    const pending = tool.held + text;
    if (!tool.sentAny && "null".startsWith(pending.trim())) {
      tool.held = pending;
      return;
    }
    tool.held = "";
    tool.sentAny = true;
    events.push({ type: "tool-call-delta", index: tool.index, argumentsDelta: pending });
  }

  private endTool(tool: ToolBlock, events: CanonicalStreamEvent[]): void {
    if (tool.ended) return;
    if (!tool.sentAny) {
      const held = tool.held.trim();
      const argumentsDelta = held === "" || held === "null" ? "{}" : tool.held;
      events.push({ type: "tool-call-delta", index: tool.index, argumentsDelta });
    }
    tool.ended = true;
    events.push({ type: "tool-call-end", index: tool.index });
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
