// The simulator's token counter: a documented approximation used for prompts and completions
// alike, so every usage figure the simulator reports can be recomputed from the text.
//
// Rule: a token is either a run of letters and digits ("weather", "42", "naïve") or one single
// character that is neither a letter, a digit nor whitespace ("," "{" "'" or one emoji).
// Whitespace is free: it rides with the token that follows it. So "Hello, world!" is 4 tokens.
// `splitTokens` cuts text into exactly `countTokens(text)` pieces that concatenate back to it;
// streams send one piece per delta, so the number of deltas equals completion tokens.

const SPACE = 0;
const WORD = 1;
const SYMBOL = 2;

const NON_ASCII_WORD = /[\p{L}\p{N}\p{M}]/u;
const NON_ASCII_SPACE = /\s/u;

function classify(code: number): number {
  if (code < 128) {
    if ((code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122)) {
      return WORD;
    }
    if (code === 32 || (code >= 9 && code <= 13)) return SPACE;
    return SYMBOL;
  }
  const character = String.fromCharCode(code);
  if (NON_ASCII_SPACE.test(character)) return SPACE;
  // Surrogate halves are classified as symbols; the scanners keep a pair together.
  if (code >= 0xd800 && code <= 0xdfff) return SYMBOL;
  return NON_ASCII_WORD.test(character) ? WORD : SYMBOL;
}

function isSurrogatePair(text: string, index: number): boolean {
  const high = text.charCodeAt(index);
  const low = text.charCodeAt(index + 1);
  return high >= 0xd800 && high <= 0xdbff && low >= 0xdc00 && low <= 0xdfff;
}

/** Counts tokens by the rule above without allocating; cheap enough for every prompt. */
export function countTokens(text: string): number {
  let count = 0;
  let inWord = false;
  for (let index = 0; index < text.length; index++) {
    const kind = classify(text.charCodeAt(index));
    if (kind === WORD) {
      if (!inWord) count++;
      inWord = true;
      continue;
    }
    inWord = false;
    if (kind === SYMBOL) {
      count++;
      if (isSurrogatePair(text, index)) index++;
    }
  }
  return count;
}

/**
 * Cuts text into one piece per token, each piece carrying the whitespace before its token;
 * trailing whitespace joins the last piece. `splitTokens(t).join("") === t`.
 */
export function splitTokens(text: string): string[] {
  const pieces: string[] = [];
  let pieceStart = 0;
  let index = 0;
  while (index < text.length) {
    const kind = classify(text.charCodeAt(index));
    if (kind === SPACE) {
      index++;
      continue;
    }
    if (kind === WORD) {
      while (index < text.length && classify(text.charCodeAt(index)) === WORD) index++;
    } else {
      index += isSurrogatePair(text, index) ? 2 : 1;
    }
    pieces.push(text.slice(pieceStart, index));
    pieceStart = index;
  }
  if (pieceStart < text.length) {
    if (pieces.length === 0) pieces.push(text.slice(pieceStart));
    else pieces[pieces.length - 1] += text.slice(pieceStart);
  }
  return pieces;
}

/** The first `limit` tokens of a text, whitespace before them included. */
export function takeTokens(text: string, limit: number): string {
  return splitTokens(text).slice(0, limit).join("");
}
