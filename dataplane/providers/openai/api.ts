// OpenAI's endpoint and auth. Paths are relative to the base URL, which includes `/v1`.
export const openAiApi = {
  shape: "openai",
  defaultBaseUrl: "https://api.openai.com/v1",
  chatPath: "/chat/completions",
  headers: (credential: string) => ({ authorization: `Bearer ${credential}` }),
} as const;
