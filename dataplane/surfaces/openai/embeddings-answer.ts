// An embeddings answer as the OpenAI surface passes it on: only the fields of OpenAI's shape,
// read from the upstream's JSON. Anything else (an HTML page, a plain-text 200, an object of
// another shape) is not an answer, and the caller gets a 502 instead of it.

/** The upstream's parsed JSON → the answer to send, or null when it is not an embeddings list. */
export function readEmbeddingsAnswer(
  json: unknown,
  servedModel: string,
): Record<string, unknown> | null {
  if (!isRecord(json) || !Array.isArray(json.data)) return null;
  const data: Record<string, unknown>[] = [];
  for (const [position, item] of json.data.entries()) {
    if (!isRecord(item)) return null;
    const { embedding } = item;
    const vector =
      typeof embedding === "string" ||
      (Array.isArray(embedding) && embedding.every((value) => typeof value === "number"));
    if (!vector) return null;
    const index = typeof item.index === "number" ? item.index : position;
    data.push({ object: "embedding", index, embedding });
  }
  // The model that answered, as the gateway asked for it: the upstream's text is not echoed.
  const answer: Record<string, unknown> = { object: "list", data, model: servedModel };
  if (isRecord(json.usage)) {
    const { prompt_tokens: prompt, total_tokens: total } = json.usage;
    if (typeof prompt === "number" && typeof total === "number") {
      answer.usage = { prompt_tokens: prompt, total_tokens: total };
    }
  }
  return answer;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
