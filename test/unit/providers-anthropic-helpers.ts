// Shared by the Anthropic adapter and surface tests: recordings as bodies and SSE streams, and
// canonical events folded back into a response that tests can compare.
import { readdirSync } from "node:fs";
import type { AssistantContent } from "#shared/canonical/content.ts";
import { type CanonicalUsage, emptyUsage, type StopReason } from "#shared/canonical/response.ts";
import type { CanonicalStreamEvent } from "#shared/canonical/stream-events.ts";
import { bytesStream } from "../support/byte-streams.ts";

export { bytesStream, collect } from "../support/byte-streams.ts";

export const RECORDINGS = new URL("../fixtures/provider-recordings/anthropic/", import.meta.url);
export const HAND_WRITTEN = new URL("../fixtures/hand-written/anthropic/", import.meta.url);

/** Every recording in the folder (not its subfolders) whose name ends with `suffix`. */
export function recordingNames(suffix: ".json" | ".chunks.txt"): string[] {
  return readdirSync(RECORDINGS)
    .filter((name) => name.endsWith(suffix))
    .sort();
}

export async function readJson(folder: URL, name: string): Promise<unknown> {
  return Bun.file(new URL(name, folder)).json();
}

/** The payloads of a `.chunks.txt`, one per line. */
export async function chunkLines(folder: URL, name: string): Promise<string[]> {
  const text = await Bun.file(new URL(name, folder)).text();
  return text.split("\n").filter((line) => line.trim() !== "");
}

/**
 * Some recordings hold several HTTP answers in a row (one per step of a tool loop); each ends
 * at message_stop. A cut or spliced stream stays one answer.
 */
export function splitMessages(lines: string[]): string[][] {
  const messages: string[][] = [];
  let current: string[] = [];
  for (const line of lines) {
    current.push(line);
    if ((JSON.parse(line) as { type?: string }).type === "message_stop") {
      messages.push(current);
      current = [];
    }
  }
  if (current.length > 0) messages.push(current);
  return messages;
}

/** Payloads as the SSE body Anthropic sends (`event:` and `data:` lines), cut into uneven pieces. */
export function sseBody(lines: string[], pieceSize = 37): ReadableStream<Uint8Array> {
  const text = lines
    .map((line) => `event: ${(JSON.parse(line) as { type: string }).type}\ndata: ${line}\n\n`)
    .join("");
  return bytesStream(text, pieceSize);
}

export async function readAll(stream: ReadableStream<Uint8Array>): Promise<string> {
  return new Response(stream).text();
}

export interface Folded {
  id: string;
  model: string;
  content: AssistantContent[];
  stopReason?: StopReason;
  stopSequence?: string;
  usage: CanonicalUsage;
  errors: Array<{ code: string; message: string }>;
  messageStarts: number;
}

/** Canonical events → the response they describe, as a consumer accumulates them. */
export function fold(events: CanonicalStreamEvent[]): Folded {
  const folded: Folded = {
    id: "",
    model: "",
    content: [],
    usage: emptyUsage(),
    errors: [],
    messageStarts: 0,
  };
  const blocks = new Map<number, AssistantContent>();
  const argumentsText = new Map<number, string>();
  for (const event of events) {
    switch (event.type) {
      case "message-start":
        folded.messageStarts++;
        folded.id = event.id;
        folded.model = event.model;
        break;
      case "text-delta": {
        const block = blocks.get(event.index) ?? { type: "text", text: "" };
        if (block.type === "text") block.text += event.text;
        blocks.set(event.index, block);
        break;
      }
      case "thinking-delta":
      case "signature-delta": {
        const block = blocks.get(event.index) ?? { type: "thinking", text: "" };
        if (block.type === "thinking") {
          if (event.type === "thinking-delta") block.text += event.text;
          else {
            block.signature = (block.signature ?? "") + event.signature;
            if (event.origin) block.origin = event.origin;
          }
        }
        blocks.set(event.index, block);
        break;
      }
      case "redacted-thinking":
        blocks.set(event.index, {
          type: "redacted-thinking",
          data: event.data,
          ...(event.origin ? { origin: event.origin } : {}),
        });
        break;
      case "tool-call-start":
        blocks.set(event.index, { type: "tool-use", id: event.id, name: event.name, input: {} });
        argumentsText.set(event.index, "");
        break;
      case "tool-call-delta":
        argumentsText.set(
          event.index,
          (argumentsText.get(event.index) ?? "") + event.argumentsDelta,
        );
        break;
      case "usage":
        Object.assign(folded.usage, event.usage);
        break;
      case "message-end":
        folded.stopReason = event.stopReason;
        if (event.stopSequence !== undefined) folded.stopSequence = event.stopSequence;
        break;
      case "error":
        folded.errors.push({ code: event.code, message: event.message });
        break;
    }
  }
  for (const [index, text] of argumentsText) {
    const block = blocks.get(index);
    if (block?.type === "tool-use") block.input = text === "" ? {} : JSON.parse(text);
  }
  folded.content = [...blocks.keys()]
    .sort((a, b) => a - b)
    .map((index) => blocks.get(index) as AssistantContent);
  return folded;
}
