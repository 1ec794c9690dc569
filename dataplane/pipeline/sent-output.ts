// What a stream has sent the client, kept so its usage can be counted when the upstream's own
// count never arrives: a stream cut by the client, by the shutdown grace, or by the upstream
// (OpenAI sends usage only in its last chunk). Output is estimated at four characters a token,
// as the gateway's other token estimates.
import type { CanonicalUsage } from "#shared/canonical/response.ts";
import { asBuffer } from "../surfaces/sse-events.ts";

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const SPACE = 0x20;

/**
 * Forwarded bytes held before they are counted. A stream whose usage arrives (nearly all) is never
 * counted; a longer one is counted this many bytes at a time, so no stream holds more.
 */
const HELD_BYTES = 16 * 1024;

export class SentOutput {
  #characters = 0;
  private readonly keys: Buffer[];
  /**
   * The fast path's forwarded bytes not counted yet: counted only when the count is read (a stream
   * cut, or whose usage never came) or once they pass HELD_BYTES. Three native searches per chunk
   * (chat's text fields) were half the fast path's work per chunk (bench/overhead, issue 20).
   */
  #held: Buffer[] = [];
  #heldBytes = 0;

  /** `textFields`: the JSON string fields of the surface's stream events that carry generated text. */
  constructor(textFields: readonly string[] = NO_FIELDS) {
    this.keys = searchKeysOf(textFields);
  }

  /** Characters of generated text (answer, thinking, tool arguments) sent so far. */
  get characters(): number {
    this.#countHeld();
    return this.#characters;
  }

  /**
   * The text inside complete SSE events as forwarded on the fast path. The bytes are kept, not
   * copied: what is forwarded is never written to again.
   */
  countBytes(bytes: Uint8Array): void {
    if (this.keys.length === 0) return;
    // The fast path's passthroughs hand on Buffers already (sse-events.ts asBuffer).
    const buffer = asBuffer(bytes);
    this.#held.push(buffer);
    this.#heldBytes += buffer.length;
    if (this.#heldBytes > HELD_BYTES) this.#countHeld();
  }

  #countHeld(): void {
    for (const buffer of this.#held) {
      for (const key of this.keys) {
        for (let at = buffer.indexOf(key); at !== -1; at = buffer.indexOf(key, at + key.length)) {
          this.#characters += stringLengthAfter(buffer, at + key.length);
        }
      }
    }
    this.#held = [];
    this.#heldBytes = 0;
  }

  /** Counts a canonical stream event as rendered on the translated path. */
  countEvent(event: { type: string }): void {
    const delta = event as { type: string; text?: string; argumentsDelta?: string };
    if (delta.type === "text-delta" || delta.type === "thinking-delta")
      this.#characters += delta.text?.length ?? 0;
    else if (delta.type === "tool-call-delta")
      this.#characters += delta.argumentsDelta?.length ?? 0;
  }

  get outputTokens(): number {
    return Math.ceil(this.characters / 4);
  }
}

const NO_FIELDS: readonly string[] = [];

/** A surface's text fields as the quoted keys searched for, made once per list (one per surface). */
const searchKeys = new WeakMap<readonly string[], Buffer[]>();
function searchKeysOf(textFields: readonly string[]): Buffer[] {
  let keys = searchKeys.get(textFields);
  if (!keys) {
    keys = textFields.map((field) => Buffer.from(`"${field}"`));
    searchKeys.set(textFields, keys);
  }
  return keys;
}

/**
 * The usage a stream is charged: the upstream's when it completed with one; otherwise what was
 * sent (the upstream's partial counts kept where they are higher), and whether it is estimated.
 */
export function usageOfStream(
  usage: CanonicalUsage | null,
  sent: SentOutput,
  estimatedInputTokens: number,
  complete: boolean,
): { usage: CanonicalUsage | null; estimated: boolean } {
  if (usage !== null && complete) return { usage, estimated: false };
  const outputTokens = sent.outputTokens;
  if (usage === null) {
    if (outputTokens === 0 && complete) return { usage: null, estimated: false };
    return {
      usage: {
        inputTokens: estimatedInputTokens,
        outputTokens,
        cacheReadTokens: 0,
        cacheWriteTokens: 0,
        reasoningTokens: 0,
      },
      estimated: true,
    };
  }
  if (usage.outputTokens >= outputTokens) return { usage, estimated: false };
  return { usage: { ...usage, outputTokens }, estimated: true };
}

/**
 * Characters of the JSON string value after a key (`"key": "value"`), escapes counted as one
 * and UTF-8 continuation bytes not at all; 0 when the key is not followed by a string.
 */
function stringLengthAfter(bytes: Buffer, from: number): number {
  let at = from;
  while (bytes[at] === SPACE) at++;
  if (bytes[at] !== COLON) return 0;
  at++;
  while (bytes[at] === SPACE) at++;
  if (bytes[at] !== QUOTE) return 0;
  let characters = 0;
  for (at++; at < bytes.length; at++) {
    const byte = bytes[at] as number;
    if (byte === QUOTE) return characters;
    if (byte === BACKSLASH) {
      // \uXXXX is one character; any other escape is two bytes for one.
      at += bytes[at + 1] === 0x75 ? 5 : 1;
      characters++;
    } else if ((byte & 0xc0) !== 0x80) {
      characters++;
    }
  }
  return characters;
}
