// A canonical request for adapter tests: a plain one-message, non-streamed request to @default,
// with what the test sets laid over it.
import type { CanonicalRequest } from "#shared/canonical/request.ts";

export function canonicalRequest(overrides: Partial<CanonicalRequest> = {}): CanonicalRequest {
  return {
    model: "@default",
    system: [],
    messages: [{ role: "user", content: [{ type: "text", text: "Hi" }] }],
    tools: [],
    stream: false,
    openAiOnly: {},
    forwardHeaders: {},
    ...overrides,
  };
}
