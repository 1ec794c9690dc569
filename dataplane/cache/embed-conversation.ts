// The embedding a semantic lookup searches with: the conversation's text sent to the config's
// embedding model through the gateway's own adapters, as one more attempt of the request (role
// "cache embedding"), so it is traced, priced and counted against budgets like any call. A
// failure costs the request nothing but the lookup: it goes on as a miss, with a warning.
import type { CanonicalRequest } from "#shared/canonical/request.ts";
import { emptyUsage } from "#shared/canonical/response.ts";
import { type CacheConfig, DEFAULT_CACHE_EMBEDDING_MODEL } from "#shared/routing/config-schema.ts";
import { executeAttempts } from "../pipeline/execute-attempts.ts";
import type { Generation } from "../pipeline/generation.ts";
import { adapterFor } from "../providers/registry.ts";
import { attemptOf, DEFAULT_RETRY_ON } from "../routing/plan-types.ts";
import { conversationText } from "./request-key.ts";

/** The cache's vectors when the config sets no `embedding_dimensions` (docs/caching.md). */
export const DEFAULT_CACHE_DIMENSIONS = 256;
/** Characters of conversation embedded: the end of a long one is what differs. */
const MAX_EMBEDDED_CHARS = 16_000;
const EMBEDDING_TIMEOUT_MS = 10_000;

export async function embedConversation(
  generation: Generation,
  request: CanonicalRequest,
  settings: CacheConfig,
  dimensions: number | null,
): Promise<Float32Array | null> {
  const target = settings.embedding_model ?? DEFAULT_CACHE_EMBEDDING_MODEL;
  const model = typeof target === "string" ? target : target.model;
  const providerRef = typeof target === "string" ? undefined : target.provider;
  const { key, config } = generation;
  try {
    const leaf = config.routes.leafFor(key.orgId, key.projectId, model, providerRef);
    const adapter = adapterFor(leaf.provider.vendor);
    if (!adapter?.buildEmbeddings)
      return failed(generation, `${leaf.provider.name} serves no embeddings`);
    const text = conversationText(request).slice(-MAX_EMBEDDED_CHARS);
    const answer = await executeAttempts(
      {
        attempts: [attemptOf(leaf, EMBEDDING_TIMEOUT_MS, -1)],
        retryOn: DEFAULT_RETRY_ON,
        totalBudgetMs: EMBEDDING_TIMEOUT_MS,
      },
      (attempt, vendor) => {
        const body = {
          model: attempt.model,
          input: text,
          dimensions: dimensions ?? DEFAULT_CACHE_DIMENSIONS,
        };
        const build = vendor.buildEmbeddings?.bind(vendor);
        if (!build) throw new Error("no embeddings builder");
        return build(JSON.stringify(body), { provider: attempt.provider, model: attempt.model });
      },
      {
        clientSignal: generation.request.signal,
        redact: generation.redact,
        health: generation.context.health,
        receivedAt: generation.receivedAt,
        records: generation.records,
        streaming: false,
        role: "cache embedding",
      },
    );
    let json: { data?: Array<{ embedding?: unknown }>; usage?: { prompt_tokens?: unknown } };
    try {
      json = (await answer.response.json()) as typeof json;
    } finally {
      answer.release();
    }
    const record = generation.records.findLast((entry) => entry.attempt === answer.attempt);
    const tokens = json.usage?.prompt_tokens;
    if (record && typeof tokens === "number")
      record.usage = { ...emptyUsage(), inputTokens: tokens };
    const vector = vectorOf(json.data?.[0]?.embedding);
    return (
      vector ?? failed(generation, `${leaf.provider.name}/${leaf.model} answered no embedding`)
    );
  } catch (error) {
    return failed(generation, (error as Error).message);
  }
}

function vectorOf(embedding: unknown): Float32Array | null {
  if (Array.isArray(embedding) && embedding.length > 0 && embedding.every(Number.isFinite))
    return Float32Array.from(embedding as number[]);
  if (typeof embedding === "string") {
    const bytes = new Uint8Array(Buffer.from(embedding, "base64"));
    return bytes.length > 0 && bytes.length % 4 === 0 ? new Float32Array(bytes.buffer) : null;
  }
  return null;
}

function failed(generation: Generation, why: string): null {
  generation.warnings.push({
    type: "cache",
    subject: "embedding",
    message: `semantic cache lookup skipped: ${generation.redact(why)}`,
  });
  return null;
}
