// Bedrock's explicit prompt caching: each cachePoint block ends a cacheable prefix (tools,
// then system, then messages). The longest marked prefix seen before is a cache read; the rest
// up to the last cachePoint is a cache write. Simplified as for Anthropic: no minimum length,
// no TTL expiry.
import type { PromptCache } from "../../common/prompt-cache.ts";
import { extendPrefixHash, prefixHashSeed } from "../../common/prompt-cache.ts";
import { walkPrompt } from "./converse-prompt.ts";
import type { ConverseRequest } from "./converse-request.ts";

export interface CacheUsage {
  readTokens: number;
  writeTokens: number;
}

const NO_CACHE: CacheUsage = { readTokens: 0, writeTokens: 0 };

function hasCachePoint(request: ConverseRequest): boolean {
  return (
    (request.toolConfig?.tools ?? []).some((tool) => tool.cachePoint) ||
    (request.system ?? []).some((block) => block.cachePoint) ||
    request.messages.some((message) => message.content.some((block) => block.cachePoint))
  );
}

export function promptCacheUsage(
  request: ConverseRequest,
  model: string,
  cache: PromptCache,
): CacheUsage {
  if (!hasCachePoint(request)) return NO_CACHE;
  let hash = prefixHashSeed(`bedrock\n${model}`);
  let prefixTokens = 0;
  const marks: Array<{ hash: bigint; tokens: number }> = [];
  walkPrompt(request, (identity, tokens, marksCache) => {
    hash = extendPrefixHash(hash, identity());
    prefixTokens += tokens;
    if (marksCache) marks.push({ hash, tokens: prefixTokens });
  });
  let readTokens = 0;
  for (const mark of marks)
    if (cache.has(mark.hash)) readTokens = Math.max(readTokens, mark.tokens);
  const last = marks.at(-1);
  if (!last) return NO_CACHE;
  for (const mark of marks) cache.add(mark.hash);
  return { readTokens, writeTokens: Math.max(0, last.tokens - readTokens) };
}
