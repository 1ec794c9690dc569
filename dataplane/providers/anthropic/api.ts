// Anthropic's endpoint and auth. Paths are relative to the base URL, which includes `/v1`.
export const anthropicApi = {
  shape: "anthropic",
  defaultBaseUrl: "https://api.anthropic.com/v1",
  chatPath: "/messages",
  headers: (credential: string) => ({ "x-api-key": credential, "anthropic-version": "2023-06-01" }),
} as const;
