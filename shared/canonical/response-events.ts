// A finished response as the stream events that would have produced it: how answers decided
// after they were complete (cascade, ensemble) reach a client that asked for a stream.
import type { SignatureOrigin } from "./content.ts";
import type { CanonicalResponse } from "./response.ts";
import type { CanonicalStreamEvent } from "./stream-events.ts";

export function* responseEvents(response: CanonicalResponse): Generator<CanonicalStreamEvent> {
  yield { type: "message-start", id: response.id, model: response.model };
  for (const [index, block] of response.content.entries()) {
    switch (block.type) {
      case "text":
        yield { type: "text-delta", index, text: block.text };
        if (block.signature)
          yield { type: "text-signature", index, signature: block.signature, ...origin(block) };
        break;
      case "thinking":
        yield { type: "thinking-delta", index, text: block.text };
        if (block.signature)
          yield { type: "signature-delta", index, signature: block.signature, ...origin(block) };
        break;
      case "redacted-thinking":
        yield { type: "redacted-thinking", index, data: block.data, ...origin(block) };
        break;
      case "tool-use":
        yield {
          type: "tool-call-start",
          index,
          id: block.id,
          name: block.name,
          ...(block.signature ? { signature: block.signature, ...origin(block) } : {}),
        };
        yield { type: "tool-call-delta", index, argumentsDelta: JSON.stringify(block.input ?? {}) };
        yield { type: "tool-call-end", index };
        break;
    }
  }
  yield { type: "usage", usage: response.usage };
  yield {
    type: "message-end",
    stopReason: response.stopReason,
    ...(response.stopSequence ? { stopSequence: response.stopSequence } : {}),
  };
}

function origin(block: { origin?: SignatureOrigin }): { origin?: SignatureOrigin } {
  return block.origin ? { origin: block.origin } : {};
}

export async function* asAsync<T>(items: Iterable<T>): AsyncIterable<T> {
  yield* items;
}
