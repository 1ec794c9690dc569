// Shared by the Cohere adapter tests: recordings as bodies and as the SSE stream Cohere sends
// (`event: <type>` + `data: <payload>` per line, cut into uneven pieces), and a summary of
// canonical events to assert on.
import type { CanonicalUsage } from "#shared/canonical/response.ts";
import type { CanonicalStreamEvent } from "#shared/canonical/stream-events.ts";
import { bytesStream } from "../support/byte-streams.ts";

export { bytesStream, collect } from "../support/byte-streams.ts";
export { canonicalRequest } from "../support/canonical-request.ts";

export const COHERE_RECORDINGS = new URL(
  "../fixtures/provider-recordings/cohere/",
  import.meta.url,
);
export const COHERE_HAND_WRITTEN = new URL("../fixtures/hand-written/cohere/", import.meta.url);

/** Every chat answer recorded for Cohere; embedding and rerank recordings are not chat. */
export const PLAIN_CASES = [
  "cohere-citations.json",
  "cohere-max-tokens.json",
  "cohere-null-args.json",
  "cohere-reasoning.json",
  "cohere-text.json",
  "cohere-tool-call.json",
];
export const STREAM_CASES = [
  "cohere-empty-tool-call.chunks.txt",
  "cohere-reasoning.chunks.txt",
  "cohere-text.chunks.txt",
  "cohere-tool-call.chunks.txt",
];

export async function recording(name: string, folder = COHERE_RECORDINGS): Promise<unknown> {
  return Bun.file(new URL(name, folder)).json();
}

export async function recordedStream(
  name: string,
  options: { folder?: URL; pieceSize?: number; eventLines?: boolean } = {},
): Promise<ReadableStream<Uint8Array>> {
  const text = await Bun.file(new URL(name, options.folder ?? COHERE_RECORDINGS)).text();
  let sse = "";
  for (const line of text.split("\n").filter((candidate) => candidate.trim() !== "")) {
    const type = (JSON.parse(line) as { type?: string }).type;
    sse +=
      options.eventLines === false || !type
        ? `data: ${line}\n\n`
        : `event: ${type}\ndata: ${line}\n\n`;
  }
  return bytesStream(sse, options.pieceSize ?? 29);
}

export interface StreamSummary {
  id?: string;
  text: string;
  thinking: string;
  tools: Array<{ index: number; id: string; name: string; arguments: string; ended: boolean }>;
  usage?: Partial<CanonicalUsage>;
  stopReason?: string;
  errors: Array<{ code: string; message: string }>;
  /** The canonical index of each text or thinking run, in order. */
  indexes: number[];
}

export function summarize(events: CanonicalStreamEvent[]): StreamSummary {
  const summary: StreamSummary = { text: "", thinking: "", tools: [], errors: [], indexes: [] };
  const note = (index: number) => {
    if (summary.indexes.at(-1) !== index) summary.indexes.push(index);
  };
  const tool = (index: number) => summary.tools.find((candidate) => candidate.index === index);
  for (const event of events) {
    if (event.type === "message-start") summary.id = event.id;
    else if (event.type === "text-delta") {
      summary.text += event.text;
      note(event.index);
    } else if (event.type === "thinking-delta") {
      summary.thinking += event.text;
      note(event.index);
    } else if (event.type === "tool-call-start") {
      const { index, id, name } = event;
      summary.tools.push({ index, id, name, arguments: "", ended: false });
    } else if (event.type === "tool-call-delta") {
      const found = tool(event.index);
      if (found) found.arguments += event.argumentsDelta;
    } else if (event.type === "tool-call-end") {
      const found = tool(event.index);
      if (found) found.ended = true;
    } else if (event.type === "usage") summary.usage = { ...summary.usage, ...event.usage };
    else if (event.type === "message-end") summary.stopReason = event.stopReason;
    else if (event.type === "error")
      summary.errors.push({ code: event.code, message: event.message });
  }
  return summary;
}
