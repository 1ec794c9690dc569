// Cohere's Chat v2 endpoint and auth. The base URL includes the API version (`/v2`); the chat
// path is relative to it, so a provider pointed at a proxy or the simulator sets `…/v2`.
const CHAT_PATH = "/chat";

export const cohereApi = {
  shape: "cohere",
  defaultBaseUrl: "https://api.cohere.com/v2",
  chatPath: CHAT_PATH,
  headers: (credential: string) => ({
    authorization: `Bearer ${credential}`,
    "content-type": "application/json",
  }),
  /** `base` + `/chat` without doubling or losing the slash between them. */
  chatUrl: (baseUrl: string) => `${baseUrl.replace(/\/+$/, "")}${CHAT_PATH}`,
} as const;
