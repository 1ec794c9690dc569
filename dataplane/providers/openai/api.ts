// OpenAI's endpoints and auth. Base URLs include `/v1`; paths are relative to them.
export const openAiApi = {
  shape: "openai",
  defaultBaseUrl: "https://api.openai.com/v1",
  chatPath: "/chat/completions",
  embeddingsPath: "/embeddings",
  responsesPath: "/responses",
  headers: (credential: string) => ({ authorization: `Bearer ${credential}` }),
} as const;

const TRAILING_SLASHES = /\/+$/;

/** `base` + `path` without doubling or losing the slash between them. */
export function joinUrl(base: string, path: string): string {
  // The pattern is made once and run only on a base that ends in a slash (per request, issue 20).
  return `${base.endsWith("/") ? base.replace(TRAILING_SLASHES, "") : base}${path}`;
}

/** Headers no client may set for an upstream call: auth and framing belong to the gateway. */
const RESERVED_HEADERS = new Set([
  "authorization",
  "api-key",
  "x-api-key",
  "content-type",
  "content-length",
  "host",
]);

/**
 * Request headers for an upstream call: the forwarded ones (lower-cased, reserved ones removed so
 * a client cannot replace the provider's credential), then JSON, then the provider's auth.
 */
export function upstreamHeaders(
  forwardHeaders: Record<string, string>,
  authHeaders: Record<string, string>,
): Record<string, string> {
  const headers: Record<string, string> = {};
  // for-in: no array of entries per call (most calls forward nothing).
  for (const name in forwardHeaders) {
    const lower = name.toLowerCase();
    if (!RESERVED_HEADERS.has(lower)) headers[lower] = forwardHeaders[name] as string;
  }
  headers["content-type"] = "application/json";
  return Object.assign(headers, authHeaders);
}
