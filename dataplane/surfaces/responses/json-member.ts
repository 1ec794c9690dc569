// One member of a JSON object, as text: the bytes an upstream sent for it, cut out of the object's
// JSON without parsing and serializing it again (a passthrough's finished response is stored and
// shown as the upstream wrote it). Only for JSON that JSON.parse has accepted: the scan trusts its
// syntax and looks only at the object's own members, skipping strings whole.

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

/**
 * The JSON text of the member `name` of the object `json` (the last one when the name is there
 * twice, as JSON.parse keeps the last), or null when it has none or `json` is not an object.
 */
export function jsonMember(json: string, name: string): string | null {
  let at = skipSpace(json, 0);
  if (json.charCodeAt(at) !== OPEN_BRACE) return null;
  at = skipSpace(json, at + 1);
  const quoted = `"${name}"`;
  let found: string | null = null;
  while (json.charCodeAt(at) === QUOTE) {
    const keyEnd = stringEnd(json, at);
    if (keyEnd === -1) return null;
    const key = json.slice(at, keyEnd);
    at = skipSpace(json, keyEnd);
    if (json.charCodeAt(at) !== COLON) return null;
    const start = skipSpace(json, at + 1);
    const end = valueEnd(json, start);
    if (end === -1) return null;
    if (key === quoted || (key.includes("\\") && JSON.parse(key) === name))
      found = json.slice(start, end);
    at = skipSpace(json, end);
    if (json.charCodeAt(at) !== COMMA) break;
    at = skipSpace(json, at + 1);
  }
  return found;
}

function skipSpace(json: string, at: number): number {
  let next = at;
  for (;;) {
    const code = json.charCodeAt(next);
    if (code !== 0x20 && code !== 0x0a && code !== 0x0d && code !== 0x09) return next;
    next++;
  }
}

/** Just past the string whose opening quote is at `at`; -1 when it does not end. */
function stringEnd(json: string, at: number): number {
  let from = at + 1;
  for (;;) {
    const quote = json.indexOf('"', from);
    if (quote === -1) return -1;
    let backslashes = 0;
    while (json.charCodeAt(quote - 1 - backslashes) === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return quote + 1;
    from = quote + 1;
  }
}

/** Just past the value starting at `at`; -1 when it does not end. */
function valueEnd(json: string, at: number): number {
  const first = json.charCodeAt(at);
  if (first === QUOTE) return stringEnd(json, at);
  if (first !== OPEN_BRACE && first !== OPEN_BRACKET) {
    // A number, true, false or null: up to what follows it.
    let next = at;
    for (;;) {
      const code = json.charCodeAt(next);
      if (
        Number.isNaN(code) ||
        code === COMMA ||
        code === CLOSE_BRACE ||
        code === CLOSE_BRACKET ||
        code === 0x20 ||
        code === 0x0a ||
        code === 0x0d ||
        code === 0x09
      )
        return next;
      next++;
    }
  }
  let depth = 0;
  for (let next = at; next < json.length; next++) {
    const code = json.charCodeAt(next);
    if (code === QUOTE) {
      const end = stringEnd(json, next);
      if (end === -1) return -1;
      next = end - 1;
    } else if (code === OPEN_BRACE || code === OPEN_BRACKET) depth++;
    else if (code === CLOSE_BRACE || code === CLOSE_BRACKET) {
      depth--;
      if (depth === 0) return next + 1;
    }
  }
  return -1;
}
