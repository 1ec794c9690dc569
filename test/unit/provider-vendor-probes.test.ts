// Where each vendor's credential check goes: the URL a real vendor lists models at, whatever
// form of base URL the provider was given.
import { describe, expect, test } from "bun:test";
import { probeBaseUrl, VENDOR_PROBES } from "../../controlplane/modules/providers/vendor-probes.ts";

const BEDROCK_KEY = "AKIAEXAMPLE::secret::eu-west-1";

async function probeUrl(vendor: string, baseUrl: string | null, credential = "key") {
  const probe = VENDOR_PROBES[vendor];
  const base = probeBaseUrl(vendor, baseUrl, credential);
  if (!probe || !base) throw new Error(`no probe for ${vendor}`);
  return (await probe.request(base, credential, {})).url;
}

describe("vendor probes", () => {
  test("Bedrock lists foundation models on the control endpoint, not the runtime one", async () => {
    const control = "https://bedrock.eu-west-1.amazonaws.com/foundation-models";
    expect(await probeUrl("bedrock", null, BEDROCK_KEY)).toBe(control);
    expect(
      await probeUrl("bedrock", "https://bedrock-runtime.eu-west-1.amazonaws.com/", BEDROCK_KEY),
    ).toBe(control);
    // A base URL elsewhere (a proxy, the simulator) is kept as given.
    expect(await probeUrl("bedrock", "http://127.0.0.1:8090", BEDROCK_KEY)).toBe(
      "http://127.0.0.1:8090/foundation-models",
    );
  });

  test("Cohere lists models on v1 whether the base URL names v1 or v2", async () => {
    const list = "https://api.cohere.com/v1/models?endpoint=chat&page_size=1";
    expect(await probeUrl("cohere", null)).toBe(list);
    expect(await probeUrl("cohere", "https://api.cohere.com/v2")).toBe(list);
    expect(await probeUrl("cohere", "https://api.cohere.com/v1/")).toBe(list);
    expect(await probeUrl("cohere", "https://api.cohere.com")).toBe(list);
  });
});
