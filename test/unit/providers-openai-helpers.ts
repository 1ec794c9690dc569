// Shared by the OpenAI-family adapter and surface tests: recordings as bodies and SSE streams,
// and a summary of canonical events that tests can assert on.
import type { CanonicalUsage } from "#shared/canonical/response.ts";
import type { CanonicalStreamEvent } from "#shared/canonical/stream-events.ts";
import { bytesStream } from "../support/byte-streams.ts";

export { bytesStream, collect } from "../support/byte-streams.ts";
export { canonicalRequest } from "../support/canonical-request.ts";

const RECORDINGS = new URL("../fixtures/provider-recordings/", import.meta.url);
const HAND_WRITTEN = new URL("../fixtures/hand-written/", import.meta.url);

export async function recording(path: string): Promise<unknown> {
  return Bun.file(new URL(path, RECORDINGS)).json();
}

export async function handWritten(path: string): Promise<unknown> {
  return Bun.file(new URL(path, HAND_WRITTEN)).json();
}

/** A `<case>.chunks.txt` recording as the SSE body the vendor sent, cut into uneven pieces. */
export async function recordedStream(
  path: string,
  options: { done?: boolean; pieceSize?: number } = {},
): Promise<ReadableStream<Uint8Array>> {
  const text = await Bun.file(new URL(path, RECORDINGS)).text();
  const lines = text.split("\n").filter((line) => line.trim() !== "");
  let sse = lines.map((line) => `data: ${line}\n\n`).join("");
  if (options.done !== false) sse += "data: [DONE]\n\n";
  return bytesStream(sse, options.pieceSize ?? 37);
}

/** A raw SSE file (`*.sse`) as it was sent. */
export async function rawSseStream(
  path: string,
  pieceSize = 23,
): Promise<ReadableStream<Uint8Array>> {
  return bytesStream(await Bun.file(new URL(path, RECORDINGS)).text(), pieceSize);
}

export interface StreamSummary {
  start?: { id: string; model: string };
  text: string;
  thinking: string;
  tools: Array<{ index: number; id: string; name: string; arguments: string; ended: boolean }>;
  usage?: Partial<CanonicalUsage>;
  stopReason?: string;
  errors: Array<{ code: string; message: string }>;
  /** Content index of each text/thinking delta run, in order. */
  indexes: number[];
}

export function summarize(events: CanonicalStreamEvent[]): StreamSummary {
  const summary: StreamSummary = { text: "", thinking: "", tools: [], errors: [], indexes: [] };
  const note = (index: number) => {
    if (summary.indexes[summary.indexes.length - 1] !== index) summary.indexes.push(index);
  };
  for (const event of events) {
    switch (event.type) {
      case "message-start":
        summary.start = { id: event.id, model: event.model };
        break;
      case "text-delta":
        summary.text += event.text;
        note(event.index);
        break;
      case "thinking-delta":
        summary.thinking += event.text;
        note(event.index);
        break;
      case "tool-call-start":
        summary.tools.push({
          index: event.index,
          id: event.id,
          name: event.name,
          arguments: "",
          ended: false,
        });
        note(event.index);
        break;
      case "tool-call-delta": {
        const tool = summary.tools.find((candidate) => candidate.index === event.index);
        if (tool) tool.arguments += event.argumentsDelta;
        break;
      }
      case "tool-call-end": {
        const tool = summary.tools.find((candidate) => candidate.index === event.index);
        if (tool) tool.ended = true;
        break;
      }
      case "usage":
        summary.usage = { ...summary.usage, ...event.usage };
        break;
      case "message-end":
        summary.stopReason = event.stopReason;
        break;
      case "error":
        summary.errors.push({ code: event.code, message: event.message });
        break;
    }
  }
  return summary;
}
