// A request's identity for the response cache (docs/caching.md). Exact mode keys on the
// canonicalized request: the config, system, messages, tools and tool choice, sampling, response
// format, thinking, and the OpenAI-only fields that change an answer (seed, …), so the same
// question asked through either surface finds the same entry. Never part of it: the key, the
// end user, tags, stream options, prompt-cache markers, gateway fields. Semantic mode keys the
// same way without the conversation (the partition an embedding is searched in) and embeds the
// conversation's text.
import type { CanonicalMessage } from "#shared/canonical/content.ts";
import type { CanonicalRequest } from "#shared/canonical/request.ts";
import { canonicalJson } from "#shared/snapshot/canonical-json.ts";

/** Where an entry lives: one project, one config, one provider-key fingerprint (or none). */
export interface CacheScope {
  orgId: string;
  projectId: string;
  configSlug: string;
  /** The keyed hash of the caller's own provider key (X-Modelux-Provider-Key), else null. */
  providerKeyHash: string | null;
}

export type RequestIdentity =
  | {
      cacheable: true;
      /** The entry's id in its project: exact key. */
      exactId: string;
      /** What a semantic match must share besides similarity: scope and every non-message field. */
      partitionId: string;
    }
  | { cacheable: false; reason: string };

/** Fields of an OpenAI request that say nothing about the answer (left out of the key). */
const NEUTRAL_OPENAI_FIELDS = new Set([
  "metadata",
  "store",
  "service_tier",
  "user",
  "prompt_cache_key",
  "prompt_cache_retention",
  "safety_identifier",
]);

const KEY_VERSION = 1;

export function requestIdentity(request: CanonicalRequest, scope: CacheScope): RequestIdentity {
  const unreproducible = unreproducibleField(request.openAiOnly);
  if (unreproducible !== null)
    return {
      cacheable: false,
      reason: `${unreproducible} asks for what a stored answer does not keep`,
    };
  const openAi: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(request.openAiOnly))
    if (!NEUTRAL_OPENAI_FIELDS.has(name)) openAi[name] = value;
  const parameters = {
    tools: request.tools.map(({ cacheControl: _marker, ...tool }) => tool),
    tool_choice: request.toolChoice,
    max_tokens: request.maxTokens,
    temperature: request.temperature,
    top_p: request.topP,
    top_k: request.topK,
    stop: request.stopSequences,
    presence_penalty: request.presencePenalty,
    frequency_penalty: request.frequencyPenalty,
    response_format: request.responseFormat,
    thinking: request.thinking,
    openai: openAi,
  };
  const head = {
    v: KEY_VERSION,
    project: scope.projectId,
    config: scope.configSlug,
    provider_key: scope.providerKeyHash,
  };
  const conversation = {
    system: request.system.map((block) => block.text),
    messages: request.messages.map(withoutMarkers),
  };
  return {
    cacheable: true,
    exactId: `e${digest(canonicalJson({ ...head, parameters, conversation }))}`,
    partitionId: `p${digest(canonicalJson({ ...head, parameters }))}`,
  };
}

/**
 * The conversation as one text to embed for semantic lookups: system, then each message's text
 * with its role. Images and documents count by their reference, tool calls by name and input.
 */
export function conversationText(request: CanonicalRequest): string {
  const lines: string[] = [];
  for (const block of request.system) lines.push(`system: ${block.text}`);
  for (const message of request.messages) {
    const parts: string[] = [];
    for (const block of message.content) {
      if (block.type === "text" || block.type === "thinking") parts.push(block.text);
      else if (block.type === "tool-use")
        parts.push(`${block.name}(${JSON.stringify(block.input)})`);
      else if (block.type === "tool-result")
        for (const item of block.content) if (item.type === "text") parts.push(item.text);
    }
    lines.push(`${message.role}: ${parts.join(" ")}`);
  }
  return lines.join("\n");
}

/** An OpenAI-only field whose answer the canonical response cannot carry back, or null. */
function unreproducibleField(openAiOnly: Record<string, unknown>): string | null {
  const n = openAiOnly.n;
  if (typeof n === "number" && n > 1) return "n > 1";
  if (openAiOnly.logprobs === true) return "logprobs";
  if (openAiOnly.top_logprobs !== undefined && openAiOnly.top_logprobs !== null)
    return "top_logprobs";
  if (openAiOnly.audio !== undefined && openAiOnly.audio !== null) return "audio";
  return null;
}

/** Prompt-cache markers are hints to the upstream, not part of the question. */
function withoutMarkers(message: CanonicalMessage): unknown {
  return {
    role: message.role,
    content: message.content.map((block) => {
      if (!("cacheControl" in block)) return block;
      const { cacheControl: _marker, ...rest } = block;
      return rest;
    }),
  };
}

function digest(text: string): string {
  return new Bun.CryptoHasher("sha256").update(text).digest("base64url");
}
