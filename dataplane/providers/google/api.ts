// Gemini's endpoints and auth. The base URL includes the API version (`/v1beta`); the model is
// part of the path, and streaming is a different method (`:streamGenerateContent`) with SSE
// framing asked for by `alt=sse`.
export const googleApi = {
  shape: "google",
  defaultBaseUrl: "https://generativelanguage.googleapis.com/v1beta",
  headers: (credential: string) => ({
    "x-goog-api-key": credential,
    "content-type": "application/json",
  }),
  /** `…/models/{model}:generateContent`, or the streaming method with `?alt=sse`. */
  generateContentUrl(baseUrl: string, model: string, stream: boolean): string {
    const base = baseUrl.replace(/\/+$/, "");
    // Clients sometimes pass the resource name ("models/gemini-2.5-flash") as the model.
    const name = encodeURIComponent(model.replace(/^models\//, ""));
    return stream
      ? `${base}/models/${name}:streamGenerateContent?alt=sse`
      : `${base}/models/${name}:generateContent`;
  },
} as const;
