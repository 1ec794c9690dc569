// Canonical stream events → the Responses stream's events, one call per canonical event, each
// written at once: response.created and in_progress, then for each output item its
// output_item.added, its parts' and deltas' events (content_part, output_text,
// reasoning_summary_part/text when the request asked for summaries, function_call_arguments) and output_item.done, then
// response.completed (response.incomplete when cut at max_output_tokens) with usage. A failure is
// an `error` event and response.failed. Every event carries the stream's sequence_number.
import type { AssistantContent, SignatureOrigin } from "#shared/canonical/content.ts";
import { type CanonicalUsage, emptyUsage, type StopReason } from "#shared/canonical/response.ts";
import type { CanonicalStreamEvent } from "#shared/canonical/stream-events.ts";
import type { GatewayError } from "#shared/errors/gateway-error.ts";
import { openAiStreamError } from "../../wire/openai/error-body.ts";
import { itemId } from "./ids.ts";
import type { HiddenSignatures } from "./output-items.ts";
import {
  functionCallItem,
  messageItem,
  type OutputItem,
  outputText,
  reasoningItem,
} from "./output-items.ts";
import { sealReasoning } from "./reasoning-envelope.ts";
import { incompleteReasonOf } from "./render-response.ts";
import { type ResponseShell, responseObject, wantsSummaries } from "./response-object.ts";
import { errorFields, sseEvent } from "./sse.ts";
import { toResponsesUsage } from "./usage.ts";

interface OpenItem {
  kind: "message" | "reasoning" | "function_call";
  /** The canonical block index the item is on (a message: its last part's). */
  block: number;
  outputIndex: number;
  id: string;
  /** The id as a JSON string, for the delta events' template. */
  quotedId: string;
  /** message: each part's text; reasoning: the summary; function_call: the arguments. */
  texts: string[];
  signature?: string;
  origin?: SignatureOrigin;
  callId?: string;
  name?: string;
}

export class ResponsesStreamWriter {
  failed = false;
  finished = false;
  private sequence = 0;
  private started = false;
  private open: OpenItem | null = null;
  private readonly output: OutputItem[] = [];
  /** Signatures of function calls (Gemini's), by item id: kept with the stored response only. */
  readonly hidden: HiddenSignatures = {};
  readonly usage: CanonicalUsage = emptyUsage();
  private stopReason: StopReason = "end_turn";

  /** Whether reasoning is shown as summaries (`reasoning.summary` set), as OpenAI does. */
  private readonly summaries: boolean;

  constructor(private readonly shell: ResponseShell) {
    this.summaries = wantsSummaries(shell.request);
  }

  write(event: CanonicalStreamEvent): string {
    if (this.failed) return "";
    switch (event.type) {
      case "message-start":
        return this.start();
      case "text-delta":
        return this.start() + this.text(event.index, event.text);
      case "text-signature":
        return "";
      case "thinking-delta":
        return this.start() + this.thinking(event.index, event.text);
      case "signature-delta":
        if (this.open?.kind === "reasoning" && this.open.block === event.index) {
          this.open.signature = (this.open.signature ?? "") + event.signature;
          if (event.origin) this.open.origin = event.origin;
        }
        return "";
      case "redacted-thinking":
        return this.start() + this.close() + this.redacted(event.data, event.origin);
      case "tool-call-start": {
        const lines =
          this.start() + this.close() + this.openCall(event.index, event.id, event.name);
        if (event.signature && this.open)
          this.hidden[this.open.id] = { signature: event.signature, origin: event.origin };
        return lines;
      }
      case "tool-call-delta": {
        const open = this.open;
        if (open?.kind !== "function_call" || open.block !== event.index) return "";
        open.texts[0] += event.argumentsDelta;
        return `event: response.function_call_arguments.delta\ndata: {"type":"response.function_call_arguments.delta","sequence_number":${this.sequence++},"item_id":${open.quotedId},"output_index":${open.outputIndex},"delta":${JSON.stringify(event.argumentsDelta)}}\n\n`;
      }
      case "tool-call-end":
        return this.open?.block === event.index ? this.close() : "";
      case "usage":
        Object.assign(this.usage, event.usage);
        return "";
      case "message-end":
        this.finished = true;
        this.stopReason = event.stopReason;
        return this.start() + this.close();
      case "error":
        return this.fail(openAiStreamError(event));
    }
  }

  /** The finished Response object, sent with response.completed (after it is stored). */
  finalResponse(): Record<string, unknown> {
    const incompleteReason = incompleteReasonOf(this.stopReason);
    return responseObject(this.shell, incompleteReason ? "incomplete" : "completed", this.output, {
      usage: toResponsesUsage(this.usage),
      ...(incompleteReason && { incompleteReason }),
    });
  }

  complete(response: Record<string, unknown>): string {
    const type = response.status === "incomplete" ? "response.incomplete" : "response.completed";
    return this.event(type, { response });
  }

  fail(error: GatewayError): string {
    if (this.failed) return "";
    this.failed = true;
    const fields = errorFields(error);
    const failed = responseObject(this.shell, "failed", this.output, {
      error: { code: fields.code, message: fields.message },
    });
    return (
      this.start() +
      this.event("error", fields) +
      this.event("response.failed", { response: failed })
    );
  }

  private start(): string {
    if (this.started) return "";
    this.started = true;
    // The two events carry the same object: serialized once.
    const response = JSON.stringify(responseObject(this.shell, "in_progress", []));
    const created = this.sequence++;
    const inProgress = this.sequence++;
    return (
      `event: response.created\ndata: {"type":"response.created","sequence_number":${created},"response":${response}}\n\n` +
      `event: response.in_progress\ndata: {"type":"response.in_progress","sequence_number":${inProgress},"response":${response}}\n\n`
    );
  }

  private text(block: number, delta: string): string {
    let lines = "";
    let open = this.open;
    if (open?.kind !== "message") {
      lines += this.close();
      open = this.begin("message", block, "msg");
      lines += this.added(messageItem(open.id, [], "in_progress"));
      lines += this.partAdded(open);
    } else if (open.block !== block) {
      lines += this.partDone(open);
      open.block = block;
      open.texts.push("");
      lines += this.partAdded(open);
    }
    const index = open.texts.length - 1;
    open.texts[index] += delta;
    // The delta events, nearly all of a stream, from a template: no object per event.
    return (
      lines +
      `event: response.output_text.delta\ndata: {"type":"response.output_text.delta","sequence_number":${this.sequence++},"item_id":${open.quotedId},"output_index":${open.outputIndex},"content_index":${index},"delta":${JSON.stringify(delta)},"logprobs":[]}\n\n`
    );
  }

  private thinking(block: number, delta: string): string {
    let lines = "";
    let open = this.open;
    if (open?.kind !== "reasoning" || open.block !== block) {
      lines += this.close();
      open = this.begin("reasoning", block, "rs");
      lines += this.added(reasoningItem(open.id, null));
      if (!this.summaries) {
        open.texts[0] += delta;
        return lines;
      }
      lines += this.event("response.reasoning_summary_part.added", {
        item_id: open.id,
        output_index: open.outputIndex,
        summary_index: 0,
        part: { type: "summary_text", text: "" },
      });
    }
    open.texts[0] += delta;
    // Without summaries the thinking is kept for the item's encrypted_content, not shown.
    if (!this.summaries) return lines;
    return (
      lines +
      `event: response.reasoning_summary_text.delta\ndata: {"type":"response.reasoning_summary_text.delta","sequence_number":${this.sequence++},"item_id":${open.quotedId},"output_index":${open.outputIndex},"summary_index":0,"delta":${JSON.stringify(delta)}}\n\n`
    );
  }

  private redacted(data: string, origin: SignatureOrigin | undefined): string {
    const block: AssistantContent = { type: "redacted-thinking", data, ...(origin && { origin }) };
    const id = itemId("rs", this.shell.id, this.output.length);
    const item = reasoningItem(id, null, sealReasoning(block));
    return this.added(item) + this.done(item);
  }

  private openCall(block: number, callId: string, name: string): string {
    const open = this.begin("function_call", block, "fc");
    open.callId = callId;
    open.name = name;
    return this.added(functionCallItem(open.id, callId, name, "", "in_progress"));
  }

  /** Ends the open item: its closing events, and the item kept for the final response. */
  private close(): string {
    const open = this.open;
    if (!open) return "";
    this.open = null;
    const at = { item_id: open.id, output_index: open.outputIndex };
    if (open.kind === "message") {
      const item = messageItem(open.id, open.texts.map(outputText));
      return this.partDone(open) + this.done(item);
    }
    if (open.kind === "function_call") {
      const args = open.texts[0] ?? "";
      const item = functionCallItem(open.id, open.callId ?? "", open.name ?? "", args);
      return (
        this.event("response.function_call_arguments.done", { ...at, arguments: args }) +
        this.done(item)
      );
    }
    const text = open.texts[0] ?? "";
    const block: AssistantContent = {
      type: "thinking",
      text,
      ...(open.signature !== undefined && { signature: open.signature }),
      ...(open.origin && { origin: open.origin }),
    };
    if (!this.summaries) return this.done(reasoningItem(open.id, null, sealReasoning(block, true)));
    const part = { type: "summary_text", text };
    return (
      this.event("response.reasoning_summary_text.done", { ...at, summary_index: 0, text }) +
      this.event("response.reasoning_summary_part.done", { ...at, summary_index: 0, part }) +
      this.done(reasoningItem(open.id, text, sealReasoning(block)))
    );
  }

  private begin(kind: OpenItem["kind"], block: number, prefix: "msg" | "rs" | "fc"): OpenItem {
    const outputIndex = this.output.length;
    const id = itemId(prefix, this.shell.id, outputIndex);
    this.open = { kind, block, outputIndex, id, quotedId: JSON.stringify(id), texts: [""] };
    return this.open;
  }

  private added(item: OutputItem): string {
    return this.event("response.output_item.added", {
      output_index: this.output.length,
      item,
    });
  }

  private done(item: OutputItem): string {
    const outputIndex = this.output.length;
    this.output.push(item);
    return this.event("response.output_item.done", { output_index: outputIndex, item });
  }

  private partAdded(open: OpenItem): string {
    return this.event("response.content_part.added", {
      item_id: open.id,
      output_index: open.outputIndex,
      content_index: open.texts.length - 1,
      part: outputText(""),
    });
  }

  private partDone(open: OpenItem): string {
    const index = open.texts.length - 1;
    const text = open.texts[index] ?? "";
    const at = { item_id: open.id, output_index: open.outputIndex, content_index: index };
    return (
      this.event("response.output_text.done", { ...at, text, logprobs: [] }) +
      this.event("response.content_part.done", { ...at, part: outputText(text) })
    );
  }

  private event(type: string, fields: Record<string, unknown>): string {
    return sseEvent(type, this.sequence++, fields);
  }
}
