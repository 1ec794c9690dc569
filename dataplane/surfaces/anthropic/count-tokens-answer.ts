// A token count as the Anthropic surface passes it on: `{input_tokens}` read from the upstream's
// JSON, nothing else of it. Any other body is not an answer, and the caller gets a 502.

/** The upstream's parsed JSON → the answer to send, or null when it is not a token count. */
export function readTokenCountAnswer(json: unknown): { input_tokens: number } | null {
  if (typeof json !== "object" || json === null || Array.isArray(json)) return null;
  const tokens = (json as { input_tokens?: unknown }).input_tokens;
  if (typeof tokens !== "number" || !Number.isInteger(tokens) || tokens < 0) return null;
  return { input_tokens: tokens };
}
