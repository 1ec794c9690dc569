// Bounds on strings a client sends that the gateway keeps or repeats: a model name is refused
// beyond MAX_MODEL_CHARS, and a client's value quoted in an error message is cut, so neither an
// answer nor a stored row grows with what the client sent.

/** Longest `model` accepted (the longest real model ids are under 100 characters). */
export const MAX_MODEL_CHARS = 256;
/** Longest quote of a client's value inside an error message. */
export const MAX_QUOTED_CHARS = 100;

/** `text` cut to `max` characters with "…" when longer (never splitting a surrogate pair). */
export function clipText(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = Math.max(0, max - 1);
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return `${text.slice(0, end)}…`;
}

/** A client's value for an error message: quoted, and cut to MAX_QUOTED_CHARS. */
export function quoteClientValue(value: string): string {
  return `"${clipText(value, MAX_QUOTED_CHARS)}"`;
}
