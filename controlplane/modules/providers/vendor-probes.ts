// How to check a credential of each vendor cheaply: one authenticated GET of the model list.
// The only place in the control plane that names vendors; everything else asks this table.
import { AwsClient } from "aws4fetch";

export interface VendorProbe {
  /** Where requests go when the provider sets no base URL; null = base_url is required. */
  defaultBaseUrl: string | null;
  /** Why this credential cannot be right, judged from its shape alone. */
  credentialProblem?(credential: string): string | undefined;
  request(base: string, credential: string, options: Record<string, unknown>): Promise<Request>;
}

const trim = (base: string) => base.replace(/\/+$/, "");

const bearerModels = (defaultBaseUrl: string | null): VendorProbe => ({
  defaultBaseUrl,
  request: async (base, credential) =>
    new Request(`${trim(base)}/models`, { headers: { authorization: `Bearer ${credential}` } }),
});

const anthropic: VendorProbe = {
  defaultBaseUrl: "https://api.anthropic.com/v1",
  request: async (base, credential) =>
    new Request(`${trim(base)}/models`, {
      headers: { "x-api-key": credential, "anthropic-version": "2023-06-01" },
    }),
};

const azure: VendorProbe = {
  defaultBaseUrl: null,
  request: async (base, credential, options) => {
    const version = typeof options.api_version === "string" ? options.api_version : "2024-10-21";
    const url = `${trim(base)}/openai/models?api-version=${encodeURIComponent(version)}`;
    return new Request(url, { headers: { "api-key": credential } });
  },
};

const google: VendorProbe = {
  defaultBaseUrl: "https://generativelanguage.googleapis.com/v1beta",
  request: async (base, credential) =>
    new Request(`${trim(base)}/models?pageSize=1`, { headers: { "x-goog-api-key": credential } }),
};

/** `ACCESS_KEY_ID::SECRET_ACCESS_KEY::REGION[::SESSION_TOKEN]` (DESIGN §5). */
function bedrockParts(credential: string) {
  const [accessKeyId, secretAccessKey, region, sessionToken] = credential.split("::");
  return { accessKeyId, secretAccessKey, region, sessionToken };
}

/**
 * ListFoundationModels is on the control endpoint (bedrock.{region}.amazonaws.com), not on
 * the runtime one (bedrock-runtime.…) a provider's base URL names: swap the host for AWS's own.
 */
function bedrockControlBase(base: string): string {
  const url = new URL(trim(base));
  if (url.hostname.startsWith("bedrock-runtime.") && url.hostname.endsWith(".amazonaws.com"))
    url.hostname = `bedrock.${url.hostname.slice("bedrock-runtime.".length)}`;
  return trim(url.toString());
}

const bedrock: VendorProbe = {
  defaultBaseUrl: null,
  credentialProblem: (credential) => {
    const parts = bedrockParts(credential);
    return parts.accessKeyId && parts.secretAccessKey && parts.region
      ? undefined
      : "must be ACCESS_KEY_ID::SECRET_ACCESS_KEY::REGION[::SESSION_TOKEN]";
  },
  request: async (base, credential) => {
    const parts = bedrockParts(credential);
    const client = new AwsClient({
      accessKeyId: parts.accessKeyId ?? "",
      secretAccessKey: parts.secretAccessKey ?? "",
      sessionToken: parts.sessionToken,
      region: parts.region,
      service: "bedrock",
    });
    return client.sign(`${bedrockControlBase(base)}/foundation-models`, { method: "GET" });
  },
};

/**
 * Cohere lists models on v1 only (`GET /v1/models`), while chat is on v2: a base URL ending in
 * /v1 or /v2 is the same API. `endpoint=chat` keeps the answer to models the gateway can call.
 */
const cohere: VendorProbe = {
  defaultBaseUrl: "https://api.cohere.com/v2",
  request: async (base, credential) => {
    const root = trim(base).replace(/\/v[12]$/, "");
    return new Request(`${root}/v1/models?endpoint=chat&page_size=1`, {
      headers: { authorization: `Bearer ${credential}` },
    });
  },
};

export const VENDOR_PROBES: Record<string, VendorProbe> = {
  openai: bearerModels("https://api.openai.com/v1"),
  anthropic,
  azure,
  google,
  bedrock,
  cohere,
  groq: bearerModels("https://api.groq.com/openai/v1"),
  fireworks: bearerModels("https://api.fireworks.ai/inference/v1"),
  deepseek: bearerModels("https://api.deepseek.com/v1"),
  xai: bearerModels("https://api.x.ai/v1"),
  mistral: bearerModels("https://api.mistral.ai/v1"),
  cerebras: bearerModels("https://api.cerebras.ai/v1"),
  together: bearerModels("https://api.together.xyz/v1"),
  perplexity: bearerModels("https://api.perplexity.ai"),
  "openai-compatible": bearerModels(null),
};

export const VENDORS = Object.keys(VENDOR_PROBES);

/** The base URL a provider's requests go to; Bedrock's default depends on the region. */
export function probeBaseUrl(vendor: string, baseUrl: string | null, credential: string) {
  if (baseUrl) return baseUrl;
  if (vendor === "bedrock") {
    const region = bedrockParts(credential).region;
    return region ? `https://bedrock.${region}.amazonaws.com` : null;
  }
  return VENDOR_PROBES[vendor]?.defaultBaseUrl ?? null;
}
