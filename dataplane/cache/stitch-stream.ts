// A streamed answer stitched back into one canonical response, from the canonical events an
// adapter parsed off a copy of the upstream's stream: what the cache stores for a streamed
// request. Null when the stream failed or ended without its message-end.
import type { AssistantContent } from "#shared/canonical/content.ts";
import { type CanonicalResponse, emptyUsage } from "#shared/canonical/response.ts";
import type { CanonicalStreamEvent } from "#shared/canonical/stream-events.ts";

export async function stitchStream(
  events: AsyncIterable<CanonicalStreamEvent>,
): Promise<CanonicalResponse | null> {
  const blocks = new Map<number, AssistantContent & { arguments?: string }>();
  const response: CanonicalResponse = {
    id: "",
    model: "",
    content: [],
    stopReason: "other",
    usage: emptyUsage(),
  };
  let ended = false;
  for await (const event of events) {
    switch (event.type) {
      case "message-start":
        response.id = event.id;
        response.model = event.model;
        break;
      case "text-delta": {
        const block = blocks.get(event.index);
        if (block?.type === "text") block.text += event.text;
        else blocks.set(event.index, { type: "text", text: event.text });
        break;
      }
      case "thinking-delta": {
        const block = blocks.get(event.index);
        if (block?.type === "thinking") block.text += event.text;
        else blocks.set(event.index, { type: "thinking", text: event.text });
        break;
      }
      case "text-signature":
      case "signature-delta": {
        const block = blocks.get(event.index);
        if (block && (block.type === "text" || block.type === "thinking")) {
          block.signature = (block.signature ?? "") + event.signature;
          if (event.origin) block.origin = event.origin;
        }
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
        blocks.set(event.index, {
          type: "tool-use",
          id: event.id,
          name: event.name,
          input: {},
          arguments: "",
          ...(event.signature ? { signature: event.signature } : {}),
          ...(event.origin ? { origin: event.origin } : {}),
        });
        break;
      case "tool-call-delta": {
        const block = blocks.get(event.index);
        if (block?.type === "tool-use")
          block.arguments = (block.arguments ?? "") + event.argumentsDelta;
        break;
      }
      case "tool-call-end":
        break;
      case "usage":
        response.usage = { ...response.usage, ...event.usage };
        break;
      case "message-end":
        response.stopReason = event.stopReason;
        if (event.stopSequence) response.stopSequence = event.stopSequence;
        ended = true;
        break;
      case "error":
        return null;
    }
  }
  if (!ended) return null;
  for (const index of [...blocks.keys()].sort((a, b) => a - b)) {
    const block = blocks.get(index) as AssistantContent & { arguments?: string };
    if (block.type === "tool-use") {
      const { arguments: text, ...call } = block;
      try {
        call.input = text ? JSON.parse(text) : {};
      } catch {
        return null;
      }
      response.content.push(call);
    } else {
      response.content.push(block);
    }
  }
  return response;
}
