// The Responses event stream, as the recordings show it: `event: <type>` + `data: <json>` frames
// with a `sequence_number` from 0: response.created (and response.queued in background),
// response.in_progress, per output item its added event, its deltas and done events, then
// response.completed (or response.incomplete). A failure mid-way is `error` then
// response.failed. Deltas carry one token each and OpenAI's `obfuscation` padding.
import type { StreamEvent } from "../../common/event-stream.ts";
import type { OutputPlan, PlannedResponse } from "./responses-output.ts";
import type { ResponseBody } from "./responses-store.ts";

export interface StreamOptions {
  /** `stream_options.include_obfuscation`, true unless the client turned it off. */
  obfuscation: boolean;
  /** A background response announces itself queued first. */
  queued: boolean;
}

type Payload = Record<string, unknown> & { type: string };

/** Renders payloads as SSE frames; keeps the payloads for a later `GET …?stream=true`. */
class EventWriter {
  readonly events: StreamEvent[] = [];
  readonly payloads: string[] = [];
  private sequence = 0;

  constructor(
    private readonly responseId: string,
    private readonly obfuscation: boolean,
  ) {}

  emit(type: string, fields: Record<string, unknown>, tokens = 0): void {
    const payload: Payload = { type, sequence_number: this.sequence++, ...fields };
    if (this.obfuscation && typeof fields.delta === "string")
      payload.obfuscation = this.padding(fields.delta.length, payload.sequence_number as number);
    const json = JSON.stringify(payload);
    this.payloads.push(json);
    this.events.push({ frame: `event: ${type}\ndata: ${json}\n\n`, tokens });
  }

  /** OpenAI pads each delta to 16 characters (the recordings); stable for a given response. */
  private padding(deltaLength: number, sequence: number): string {
    const length = 16 - (deltaLength % 16);
    let seed = Bun.hash.xxHash32(`${this.responseId}:${sequence}`);
    let text = "";
    for (let index = 0; index < length; index++) {
      text += ALPHABET[seed % ALPHABET.length];
      seed = Math.imul(seed ^ (seed >>> 13), 0x5bd1e995) >>> 0;
    }
    return text;
  }
}

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

export interface RenderedStream {
  events: StreamEvent[];
  payloads: string[];
}

function opening(writer: EventWriter, start: ResponseBody, options: StreamOptions): void {
  writer.emit("response.created", { response: start });
  if (options.queued) writer.emit("response.queued", { response: start });
  writer.emit("response.in_progress", { response: { ...start, status: "in_progress" } });
}

export function responseEvents(
  plan: PlannedResponse,
  start: ResponseBody,
  final: ResponseBody,
  options: StreamOptions,
): RenderedStream {
  const writer = new EventWriter(final.id, options.obfuscation);
  opening(writer, start, options);
  for (const [index, output] of plan.outputs.entries()) writeOutput(writer, index, output);
  const terminal = final.status === "incomplete" ? "response.incomplete" : "response.completed";
  writer.emit(terminal, { response: final });
  return { events: writer.events, payloads: writer.payloads };
}

/** A response that fails after it started: OpenAI's `error` event, then response.failed. */
export function failedEvents(
  start: ResponseBody,
  failed: ResponseBody,
  error: { type: string; code: string | null; message: string },
  options: StreamOptions,
): RenderedStream {
  const writer = new EventWriter(failed.id, options.obfuscation);
  opening(writer, start, options);
  writer.emit("error", { error: { ...error, param: null } });
  writer.emit("response.failed", { response: failed });
  return { events: writer.events, payloads: writer.payloads };
}

function writeOutput(writer: EventWriter, index: number, output: OutputPlan): void {
  const at = { output_index: index };
  switch (output.kind) {
    case "reasoning": {
      const { item, summaryPieces } = output;
      // Thinking takes its time before anything shows; a summary streams one token a delta.
      const tokens = summaryPieces ? 0 : output.tokens;
      writer.emit("response.output_item.added", { ...at, item: { ...item, summary: [] } }, tokens);
      if (summaryPieces) {
        const where = { item_id: item.id, ...at, summary_index: 0 };
        const text = summaryPieces.join("");
        writer.emit("response.reasoning_summary_part.added", {
          ...where,
          part: { type: "summary_text", text: "" },
        });
        for (const delta of summaryPieces)
          writer.emit("response.reasoning_summary_text.delta", { ...where, delta }, 1);
        writer.emit("response.reasoning_summary_text.done", { ...where, text });
        writer.emit("response.reasoning_summary_part.done", {
          ...where,
          part: { type: "summary_text", text },
        });
      }
      writer.emit("response.output_item.done", { ...at, item });
      return;
    }
    case "message": {
      const { item, pieces, logprobs } = output;
      const [part] = item.content as Array<Record<string, unknown>>;
      const where = { item_id: item.id, ...at, content_index: 0 };
      writer.emit("response.output_item.added", {
        ...at,
        item: { ...item, status: "in_progress", content: [] },
      });
      writer.emit("response.content_part.added", {
        ...where,
        part: { type: "output_text", annotations: [], logprobs: [], text: "" },
      });
      for (const [position, delta] of pieces.entries()) {
        const tokenLogprobs = logprobs?.[position] ? [logprobs[position]] : [];
        writer.emit("response.output_text.delta", { ...where, delta, logprobs: tokenLogprobs }, 1);
      }
      const annotations = (part?.annotations as unknown[]) ?? [];
      for (const [annotationIndex, annotation] of annotations.entries()) {
        writer.emit("response.output_text.annotation.added", {
          ...where,
          annotation_index: annotationIndex,
          annotation,
        });
      }
      writer.emit("response.output_text.done", {
        ...where,
        text: part?.text,
        logprobs: logprobs ?? [],
      });
      writer.emit("response.content_part.done", { ...where, part });
      writer.emit("response.output_item.done", { ...at, item });
      return;
    }
    case "function_call": {
      const { item, pieces } = output;
      const where = { item_id: item.id, ...at };
      writer.emit(
        "response.output_item.added",
        { ...at, item: { ...item, status: "in_progress", arguments: "" } },
        1,
      );
      for (const delta of pieces)
        writer.emit("response.function_call_arguments.delta", { ...where, delta }, 1);
      writer.emit("response.function_call_arguments.done", {
        ...where,
        arguments: item.arguments,
      });
      writer.emit("response.output_item.done", { ...at, item });
      return;
    }
    case "hosted":
      writeHostedCall(writer, index, output.call);
  }
}

function writeHostedCall(
  writer: EventWriter,
  index: number,
  call: Extract<OutputPlan, { kind: "hosted" }>["call"],
): void {
  const at = { output_index: index };
  const where = { ...at, item_id: call.item.id };
  const ownTokens = call.kind === "code_interpreter" ? 0 : call.tokens;
  writer.emit("response.output_item.added", { ...at, item: call.started }, ownTokens);
  const type = call.item.type;
  if (call.kind === "code_interpreter") {
    writer.emit(`response.${type}.in_progress`, where);
    for (const delta of call.codePieces)
      writer.emit("response.code_interpreter_call_code.delta", { ...where, delta }, 1);
    writer.emit("response.code_interpreter_call_code.done", { ...where, code: call.item.code });
    writer.emit(`response.${type}.interpreting`, where);
    writer.emit(`response.${type}.completed`, where);
  } else if (call.kind !== "computer") {
    writer.emit(`response.${type}.in_progress`, where);
    writer.emit(`response.${type}.searching`, where);
    writer.emit(`response.${type}.completed`, where);
  }
  writer.emit("response.output_item.done", { ...at, item: call.item });
}
