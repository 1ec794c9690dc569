// Where each vendor that serves the Responses API is called: the client's body with only `model`
// replaced (Azure: the deployment), the provider's auth, the stored-response sub-resources.
import { describe, expect, test } from "bun:test";
import type { ProviderAdapter } from "../../dataplane/providers/adapter.ts";
import { adapterFor, supportedVendors } from "../../dataplane/providers/registry.ts";
import type { RuntimeProvider } from "../../dataplane/snapshot/runtime-config.ts";

function provider(vendor: string, overrides: Partial<RuntimeProvider> = {}): RuntimeProvider {
  return {
    id: "p",
    orgId: "o",
    name: "main",
    vendor,
    baseUrl: null,
    credential: "key-123",
    options: {},
    ...overrides,
  };
}

const adapter = (vendor: string) => adapterFor(vendor) as ProviderAdapter;
const body = JSON.stringify({ model: "gpt-5", input: "hi", tools: [{ type: "web_search" }] });

describe("Responses passthrough builders", () => {
  test("openai: {base}/responses, bearer auth, the body byte for byte", async () => {
    const target = { provider: provider("openai"), model: "gpt-5" };
    const call = await adapter("openai").buildResponses?.(body, true, target, {
      authorization: "Bearer client-key",
      "openai-beta": "x",
    });
    expect(call?.url).toBe("https://api.openai.com/v1/responses");
    expect(call?.body).toBe(body);
    expect(call?.headers.authorization).toBe("Bearer key-123");
    expect(call?.headers["openai-beta"]).toBe("x");
  });

  test("azure: the resource's v1 surface, api-key, model is the mapped deployment", async () => {
    const target = {
      provider: provider("azure", {
        baseUrl: "https://contoso.openai.azure.com/",
        options: { deployments: { "gpt-5": "gpt5-prod" } },
      }),
      model: "gpt-5",
    };
    const call = await adapter("azure").buildResponses?.(body, false, target, {});
    expect(call?.url).toBe("https://contoso.openai.azure.com/openai/v1/responses");
    expect(call?.headers["api-key"]).toBe("key-123");
    expect(JSON.parse(call?.body ?? "{}")).toEqual({ ...JSON.parse(body), model: "gpt5-prod" });
    const unmapped = {
      provider: provider("azure", { baseUrl: "https://c.openai.azure.com" }),
      model: "gpt-5",
    };
    expect((await adapter("azure").buildResponses?.(body, false, unmapped, {}))?.body).toBe(body);
  });

  test("xai serves it at its own base URL; hosts without it have no builder", async () => {
    const call = await adapter("xai").buildResponses?.(
      body,
      false,
      { provider: provider("xai"), model: "grok-4" },
      {},
    );
    expect(call?.url).toBe("https://api.x.ai/v1/responses");
    const passthrough = supportedVendors().filter((vendor) => adapter(vendor).buildResponses);
    expect(passthrough).toEqual(["azure", "openai", "xai"]);
  });

  test("sub-resources on the same base: retrieve, cancel, delete, input items", async () => {
    const target = { provider: provider("openai", { baseUrl: "http://sim/v1" }), model: "gpt-5" };
    const build = adapter("openai").buildResponsesResource;
    expect(await build?.("GET", "/resp_1?stream=true", target)).toEqual({
      url: "http://sim/v1/responses/resp_1?stream=true",
      method: "GET",
      headers: { "content-type": "application/json", authorization: "Bearer key-123" },
    });
    expect((await build?.("POST", "/resp_1/cancel", target))?.url).toBe(
      "http://sim/v1/responses/resp_1/cancel",
    );
    const azure = {
      provider: provider("azure", { baseUrl: "https://c.openai.azure.com" }),
      model: "m",
    };
    expect((await adapter("azure").buildResponsesResource?.("DELETE", "/resp_1", azure))?.url).toBe(
      "https://c.openai.azure.com/openai/v1/responses/resp_1",
    );
  });
});
