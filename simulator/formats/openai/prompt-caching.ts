// OpenAI's automatic prompt caching: a prompt of at least 1024 tokens whose prefix was seen
// before reports that prefix as `cached_tokens`, in steps of 128 tokens. Prefixes end at
// message boundaries (tools first, then each message), as conversations grow turn by turn.
import type { PromptCache } from "../../common/prompt-cache.ts";
import { extendPrefixHash, prefixHashSeed } from "../../common/prompt-cache.ts";
import { countTokens } from "../../common/tokens.ts";
import { messageTokens, toolsJson } from "./chat-prompt.ts";
import type { ChatRequest } from "./chat-request.ts";

export const MINIMUM_CACHED_PROMPT = 1024;
const CACHE_INCREMENT = 128;

export function cachedPromptTokens(
  request: ChatRequest,
  promptTokens: number,
  cache: PromptCache,
): number {
  // Short prompts never cache; skipping them keeps the hashing off the common path.
  if (promptTokens < MINIMUM_CACHED_PROMPT) return 0;
  let hash = prefixHashSeed(`openai\n${request.model}`);
  let prefixTokens = 0;
  const tools = toolsJson(request);
  if (tools) {
    hash = extendPrefixHash(hash, tools);
    prefixTokens += countTokens(tools);
  }
  let longestSeen = 0;
  const cacheable: bigint[] = [];
  for (const message of request.messages) {
    hash = extendPrefixHash(hash, JSON.stringify(message));
    prefixTokens += messageTokens(message);
    if (prefixTokens < MINIMUM_CACHED_PROMPT) continue;
    if (cache.has(hash)) longestSeen = prefixTokens;
    cacheable.push(hash);
  }
  for (const prefix of cacheable) cache.add(prefix);
  return longestSeen === 0 ? 0 : Math.floor(longestSeen / CACHE_INCREMENT) * CACHE_INCREMENT;
}
