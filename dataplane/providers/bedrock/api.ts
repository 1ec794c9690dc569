// Bedrock Runtime's endpoints: Converse and ConverseStream on a per-region host. The model id
// (or inference profile ARN) is one path segment, so `:` and `/` in it are percent-encoded.
export const bedrockApi = {
  shape: "bedrock",
  /** `{region}` comes from the credential; a provider's base URL replaces the whole origin. */
  defaultBaseUrl: "https://bedrock-runtime.{region}.amazonaws.com",
  /** SigV4 signing name of Bedrock Runtime (the host says bedrock-runtime; the scope says bedrock). */
  signingService: "bedrock",
} as const;

export function bedrockBaseUrl(baseUrl: string | null, region: string): string {
  const base = baseUrl ?? bedrockApi.defaultBaseUrl.replace("{region}", region);
  return base.replace(/\/+$/, "");
}

export function converseUrl(base: string, model: string, stream: boolean): string {
  return `${base}/model/${encodeURIComponent(model)}/${stream ? "converse-stream" : "converse"}`;
}
