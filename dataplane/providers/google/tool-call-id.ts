// Gemini has no call ids (the API may add an `id`; it is used when present): ids are made from
// the response id and the call's position among the response's function calls.

export function toolCallId(
  responseId: string | null | undefined,
  ordinal: number,
  given?: string | null,
): string {
  if (given) return given;
  // Unique across turns (so Anthropic-shaped clients, which reject repeated ids, can send the
  // history back) and stable (the same response always gives the same ids, streamed or not).
  const suffix = (responseId ?? "").replace(/[^A-Za-z0-9_-]/g, "");
  return suffix ? `call_${suffix}_${ordinal}` : `call_${ordinal}`;
}
