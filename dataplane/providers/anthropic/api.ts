// Anthropic's endpoint and auth. Paths are relative to the base URL, which includes `/v1`.

/** The API version sent when the client names none (the only one Anthropic has published). */
export const DEFAULT_ANTHROPIC_VERSION = "2023-06-01";

export const anthropicApi = {
  shape: "anthropic",
  defaultBaseUrl: "https://api.anthropic.com/v1",
  chatPath: "/messages",
  headers: (credential: string) => ({
    "x-api-key": credential,
    "anthropic-version": DEFAULT_ANTHROPIC_VERSION,
  }),
} as const;

/** Headers no client may set upstream: the credential and the framing belong to the gateway. */
const RESERVED_HEADERS = new Set([
  "authorization",
  "x-api-key",
  "content-type",
  "content-length",
  "host",
]);

/** The Messages endpoint of a provider whose base URL may differ from Anthropic's own. */
export function anthropicMessagesUrl(baseUrl: string | null): string {
  return `${(baseUrl ?? anthropicApi.defaultBaseUrl).replace(/\/+$/, "")}${anthropicApi.chatPath}`;
}

/**
 * The forwarded headers (`anthropic-beta`, `anthropic-version`, …) verbatim, lower-cased names,
 * over the defaults; then JSON and the provider's key, which a client cannot replace.
 */
export function anthropicHeaders(
  credential: string,
  forwardHeaders: Record<string, string>,
): Record<string, string> {
  const headers: Record<string, string> = { "anthropic-version": DEFAULT_ANTHROPIC_VERSION };
  for (const [name, value] of Object.entries(forwardHeaders)) {
    const lower = name.toLowerCase();
    if (!RESERVED_HEADERS.has(lower)) headers[lower] = value;
  }
  headers["content-type"] = "application/json";
  headers["x-api-key"] = credential;
  return headers;
}
