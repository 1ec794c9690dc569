// Pieces the response and stream renderers share: ids, tool arguments, timestamps (finish
// reasons and usage are the wire format's: wire/openai/).
/** OpenAI's ids start with `chatcmpl-`; other vendors' ids are kept after the prefix. */
export function completionId(id: string): string {
  if (id.startsWith("chatcmpl-")) return id;
  return `chatcmpl-${id || crypto.randomUUID().replaceAll("-", "")}`;
}

/** Tool inputs are parsed JSON; a string is arguments that were never valid JSON, sent as is. */
export function toolArguments(input: unknown): string {
  return typeof input === "string" ? input : JSON.stringify(input ?? {});
}

export const nowSeconds = () => Math.floor(Date.now() / 1000);
