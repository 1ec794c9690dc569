// Azure and the OpenAI-compatible table: URLs, auth headers, and the per-vendor dialect
// differences on top of the shared OpenAI converters.
import { describe, expect, test } from "bun:test";
import type { CanonicalRequest } from "#shared/canonical/request.ts";
import { GatewayError } from "#shared/errors/gateway-error.ts";
import type { AdapterTarget, ProviderAdapter } from "../../dataplane/providers/adapter.ts";
import { azureAdapter } from "../../dataplane/providers/azure/index.ts";
import {
  OPENAI_COMPATIBLE_VENDORS,
  openAiCompatibleAdapters,
} from "../../dataplane/providers/openai-compatible/index.ts";
import type { RuntimeProvider } from "../../dataplane/snapshot/runtime-config.ts";
import { canonicalRequest } from "../support/canonical-request.ts";

function provider(overrides: Partial<RuntimeProvider>): RuntimeProvider {
  return {
    id: "p",
    orgId: "o",
    name: "main",
    vendor: "azure",
    baseUrl: null,
    credential: "key-123",
    options: {},
    ...overrides,
  };
}

function request(overrides: Partial<CanonicalRequest> = {}): CanonicalRequest {
  return canonicalRequest({ model: "@x", ...overrides });
}

describe("Azure OpenAI", () => {
  const resource = "https://contoso.openai.azure.com";

  test("deployment URL, default api-version, api-key header, OpenAI body", async () => {
    const target: AdapterTarget = {
      provider: provider({ baseUrl: resource }),
      model: "gpt4o-prod",
    };
    const { value } = await azureAdapter.buildRequest(
      request({ maxTokens: 50, stream: true }),
      target,
    );
    expect(value.url).toBe(
      `${resource}/openai/deployments/gpt4o-prod/chat/completions?api-version=2024-10-21`,
    );
    expect(value.headers).toEqual({ "content-type": "application/json", "api-key": "key-123" });
    expect(value.headers.authorization).toBeUndefined();
    expect(JSON.parse(value.body)).toMatchObject({
      model: "gpt4o-prod",
      max_tokens: 50,
      stream: true,
      stream_options: { include_usage: true },
    });
  });

  test("options.deployments maps model → deployment; options.api_version; base URL with /openai/", async () => {
    const target: AdapterTarget = {
      provider: provider({
        baseUrl: `${resource}/openai/`,
        options: {
          api_version: "2025-04-01-preview",
          deployments: { "o3-mini": "reasoning-east" },
        },
      }),
      model: "o3-mini",
    };
    const { value } = await azureAdapter.buildRequest(request({ maxTokens: 50 }), target);
    expect(value.url).toBe(
      `${resource}/openai/deployments/reasoning-east/chat/completions?api-version=2025-04-01-preview`,
    );
    // The model name, not the deployment's, decides the token-limit field.
    expect(JSON.parse(value.body)).toMatchObject({ model: "o3-mini", max_completion_tokens: 50 });
    const passthrough = await azureAdapter.buildPassthrough?.(
      '{"model":"o3-mini"}',
      false,
      target,
      {},
    );
    expect(passthrough?.url).toBe(value.url);
    expect(passthrough?.body).toBe('{"model":"o3-mini"}');
    expect(passthrough?.headers["api-key"]).toBe("key-123");
    const embeddings = await azureAdapter.buildEmbeddings?.("{}", {
      ...target,
      model: "text-embedding-3-small",
    });
    expect(embeddings?.url).toBe(
      `${resource}/openai/deployments/text-embedding-3-small/embeddings?api-version=2025-04-01-preview`,
    );
  });

  test("a provider without base_url is a clear error", async () => {
    const target: AdapterTarget = { provider: provider({}), model: "gpt-4o" };
    await expect(azureAdapter.buildRequest(request(), target)).rejects.toBeInstanceOf(GatewayError);
    expect(azureAdapter.defaultBaseUrl).toBe("");
  });

  test("Azure's content filter error", () => {
    const body = JSON.stringify({
      error: {
        message: "The response was filtered",
        code: "content_filter",
        status: 400,
        innererror: { code: "ResponsibleAIPolicyViolation" },
      },
    });
    expect(azureAdapter.parseError(400, body, new Headers()).kind).toBe("content_filter");
  });
});

describe("the OpenAI-compatible table", () => {
  const adapter = (name: string): ProviderAdapter => {
    const found = openAiCompatibleAdapters[name];
    if (!found) throw new Error(name);
    return found;
  };
  const target = (name: string, baseUrl: string | null = null): AdapterTarget => ({
    provider: provider({ vendor: name, baseUrl }),
    model: "some-model",
  });

  test("one adapter per vendor, at its public base URL, with bearer auth", async () => {
    const expected: Record<string, string> = {
      groq: "https://api.groq.com/openai/v1/chat/completions",
      fireworks: "https://api.fireworks.ai/inference/v1/chat/completions",
      deepseek: "https://api.deepseek.com/chat/completions",
      xai: "https://api.x.ai/v1/chat/completions",
      mistral: "https://api.mistral.ai/v1/chat/completions",
      cerebras: "https://api.cerebras.ai/v1/chat/completions",
      together: "https://api.together.xyz/v1/chat/completions",
      perplexity: "https://api.perplexity.ai/chat/completions",
    };
    expect(Object.keys(openAiCompatibleAdapters).sort()).toEqual(Object.keys(expected).sort());
    for (const [name, url] of Object.entries(expected)) {
      const built = await adapter(name).buildRequest(request(), target(name));
      expect([name, built.value.url]).toEqual([name, url]);
      expect(built.value.headers.authorization).toBe("Bearer key-123");
      expect(adapter(name).vendor).toBe(name);
      expect(adapter(name).shape).toBe("openai");
      expect(adapter(name).capabilities).toEqual(
        OPENAI_COMPATIBLE_VENDORS[name as keyof typeof OPENAI_COMPATIBLE_VENDORS].capabilities,
      );
    }
    const custom = await adapter("groq").buildRequest(
      request(),
      target("groq", "http://localhost:9000/v1"),
    );
    expect(custom.value.url).toBe("http://localhost:9000/v1/chat/completions");
  });

  test("capabilities differ per vendor", () => {
    expect(adapter("deepseek").capabilities.vision).toBe(false);
    expect(adapter("groq").capabilities.vision).toBe(true);
    expect(adapter("perplexity").capabilities.tools).toBe(false);
    expect(adapter("mistral").buildEmbeddings).toBeDefined();
    expect(adapter("groq").buildEmbeddings).toBeUndefined();
  });

  test("compatible hosts take max_tokens and system messages whatever the model is called", async () => {
    const built = await adapter("groq").buildRequest(
      request({ system: [{ text: "s" }], maxTokens: 9 }),
      { ...target("groq"), model: "openai/gpt-oss-120b" },
    );
    const body = JSON.parse(built.value.body);
    expect(body.max_tokens).toBe(9);
    expect(body.messages[0]).toEqual({ role: "system", content: "s" });
  });

  test("what a vendor cannot take is dropped with a warning", async () => {
    const image = {
      type: "image" as const,
      source: { kind: "url" as const, url: "https://example.com/a.png" },
    };
    const deepseek = await adapter("deepseek").buildRequest(
      request({
        messages: [{ role: "user", content: [{ type: "text", text: "see" }, image] }],
        responseFormat: { type: "json-schema", name: "a", schema: { type: "object" } },
        thinking: { enabled: true, effort: "high" },
      }),
      target("deepseek"),
    );
    const body = JSON.parse(deepseek.value.body);
    expect(body.messages).toEqual([{ role: "user", content: "see" }]);
    expect(body.response_format).toEqual({ type: "json_object" });
    expect(body.reasoning_effort).toBeUndefined();
    expect(deepseek.warnings.map((warning) => warning.subject)).toEqual([
      "image",
      "response_format",
      "thinking",
    ]);

    const tools = [{ name: "f", inputSchema: { type: "object" } }];
    const perplexity = await adapter("perplexity").buildRequest(
      request({
        tools,
        toolChoice: { type: "auto" },
        responseFormat: { type: "json" },
        stream: true,
      }),
      target("perplexity"),
    );
    const perplexityBody = JSON.parse(perplexity.value.body);
    expect(perplexityBody.tools).toBeUndefined();
    expect(perplexityBody.response_format.type).toBe("json_schema");
    expect(perplexityBody.stream_options).toBeUndefined();
    expect(perplexity.warnings.map((warning) => warning.subject)).toEqual([
      "tools",
      "tool_choice",
      "response_format",
    ]);

    const mistral = await adapter("mistral").buildRequest(
      request({ user: "u", stream: true }),
      target("mistral"),
    );
    expect(JSON.parse(mistral.value.body).user).toBeUndefined();
    expect(JSON.parse(mistral.value.body).stream_options).toBeUndefined();
    expect(mistral.warnings.map((warning) => warning.subject)).toEqual(["user"]);

    const cerebras = await adapter("cerebras").buildRequest(
      request({ presencePenalty: 1, topK: 5 }),
      target("cerebras"),
    );
    expect(cerebras.warnings.map((warning) => warning.subject)).toEqual([
      "presence_penalty",
      "top_k",
    ]);
    const together = await adapter("together").buildRequest(
      request({ topK: 5 }),
      target("together"),
    );
    expect(JSON.parse(together.value.body).top_k).toBe(5);
  });

  test("the fast path strips stream_options only for vendors that reject it", async () => {
    const body =
      '{"model":"m","messages":[],"stream":true,"stream_options":{"include_usage":true}}';
    const mistral = await adapter("mistral").buildPassthrough?.(body, true, target("mistral"), {});
    expect(JSON.parse(mistral?.body ?? "{}")).toEqual({ model: "m", messages: [], stream: true });
    const groq = await adapter("groq").buildPassthrough?.(body, true, target("groq"), {});
    expect(groq?.body).toBe(body);
  });
});
