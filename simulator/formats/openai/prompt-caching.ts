// OpenAI's automatic prompt caching: a prompt of at least 1024 tokens whose prefix was seen
// before reports that prefix as `cached_tokens`, in steps of 128 tokens. Prefixes end at
// message boundaries (tools first, then each message or input item), as conversations grow
// turn by turn.
import type { PromptCache } from "../../common/prompt-cache.ts";
import { extendPrefixHash, prefixHashSeed } from "../../common/prompt-cache.ts";
import { countTokens } from "../../common/tokens.ts";
import { messageTokens, toolsJson } from "./chat-prompt.ts";
import type { ChatRequest } from "./chat-request.ts";

export const MINIMUM_CACHED_PROMPT = 1024;
const CACHE_INCREMENT = 128;

/** One piece of a prompt in order; a prefix may end after a piece that is a boundary. */
export interface PromptPiece {
  text: string;
  tokens: number;
  boundary: boolean;
}

/** The cached part of a prompt made of `pieces`, remembering its prefixes for later calls. */
export function cachedPrefixTokens(
  label: string,
  pieces: Iterable<PromptPiece>,
  promptTokens: number,
  cache: PromptCache,
): number {
  // Short prompts never cache; skipping them keeps the hashing off the common path.
  if (promptTokens < MINIMUM_CACHED_PROMPT) return 0;
  let hash = prefixHashSeed(label);
  let prefixTokens = 0;
  let longestSeen = 0;
  const cacheable: bigint[] = [];
  for (const piece of pieces) {
    hash = extendPrefixHash(hash, piece.text);
    prefixTokens += piece.tokens;
    if (!piece.boundary || prefixTokens < MINIMUM_CACHED_PROMPT) continue;
    if (cache.has(hash)) longestSeen = prefixTokens;
    cacheable.push(hash);
  }
  for (const prefix of cacheable) cache.add(prefix);
  return longestSeen === 0 ? 0 : Math.floor(longestSeen / CACHE_INCREMENT) * CACHE_INCREMENT;
}

function* chatPieces(request: ChatRequest): Generator<PromptPiece> {
  const tools = toolsJson(request);
  if (tools) yield { text: tools, tokens: countTokens(tools), boundary: false };
  for (const message of request.messages) {
    yield { text: JSON.stringify(message), tokens: messageTokens(message), boundary: true };
  }
}

export function cachedPromptTokens(
  request: ChatRequest,
  promptTokens: number,
  cache: PromptCache,
): number {
  if (promptTokens < MINIMUM_CACHED_PROMPT) return 0;
  return cachedPrefixTokens(`openai\n${request.model}`, chatPieces(request), promptTokens, cache);
}
