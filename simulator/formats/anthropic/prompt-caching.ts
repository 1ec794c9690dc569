// Anthropic's explicit prompt caching: each `cache_control` marker ends a cacheable prefix.
// The longest marked prefix seen before is a cache read; the rest up to the last marker is a
// cache write. Simplified: no minimum cacheable length and no TTL expiry (the set is in memory).
import type { PromptCache } from "../../common/prompt-cache.ts";
import { extendPrefixHash, prefixHashSeed } from "../../common/prompt-cache.ts";
import { walkPrompt } from "./messages-prompt.ts";
import type { PromptRequest } from "./messages-request.ts";

export interface CacheUsage {
  readTokens: number;
  creationTokens: number;
  /** Which TTL the written tokens were asked for ("5m" unless the last marker says "1h"). */
  creationTtl: "5m" | "1h";
}

const NO_CACHE: CacheUsage = { readTokens: 0, creationTokens: 0, creationTtl: "5m" };

function hasMarker(request: PromptRequest): boolean {
  if (request.tools?.some((tool) => tool.cache_control)) return true;
  if (Array.isArray(request.system) && request.system.some((block) => block.cache_control))
    return true;
  return request.messages.some(
    (message) =>
      Array.isArray(message.content) && message.content.some((block) => block.cache_control),
  );
}

export function promptCacheUsage(request: PromptRequest, cache: PromptCache): CacheUsage {
  // Most requests carry no marker; they skip the hashing altogether.
  if (!hasMarker(request)) return NO_CACHE;
  let hash = prefixHashSeed(`anthropic\n${request.model}`);
  let prefixTokens = 0;
  const markers: Array<{ hash: bigint; tokens: number; ttl: string | undefined }> = [];
  walkPrompt(request, (identity, tokens, marker) => {
    hash = extendPrefixHash(hash, identity());
    prefixTokens += tokens;
    if (marker) markers.push({ hash, tokens: prefixTokens, ttl: marker.ttl });
  });
  let readTokens = 0;
  for (const marker of markers)
    if (cache.has(marker.hash)) readTokens = Math.max(readTokens, marker.tokens);
  const last = markers[markers.length - 1];
  if (!last) return NO_CACHE;
  for (const marker of markers) cache.add(marker.hash);
  return {
    readTokens,
    creationTokens: Math.max(0, last.tokens - readTokens),
    creationTtl: last.ttl === "1h" ? "1h" : "5m",
  };
}
