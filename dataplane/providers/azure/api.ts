// Azure OpenAI's endpoints and auth: the OpenAI body on per-deployment URLs,
// `{base_url}/openai/deployments/{deployment}/chat/completions?api-version=…`, with `api-key`.
import { GatewayError } from "#shared/errors/gateway-error.ts";
import type { RuntimeProvider } from "../../snapshot/runtime-config.ts";
import type { AdapterTarget } from "../adapter.ts";

export const AZURE_DEFAULT_API_VERSION = "2024-10-21";

export const azureApi = {
  /** Azure has no public default: each provider names its resource (`base_url`). */
  defaultBaseUrl: "",
  headers: (credential: string) => ({ "api-key": credential }),
} as const;

/**
 * The deployment to call: `options.deployments[model]` when the provider maps model names to
 * deployments, else the target's model, which then is the deployment's name.
 */
export function azureDeployment(target: AdapterTarget): string {
  const deployments = target.provider.options.deployments;
  if (typeof deployments === "object" && deployments !== null && !Array.isArray(deployments)) {
    const mapped = (deployments as Record<string, unknown>)[target.model];
    if (typeof mapped === "string" && mapped !== "") return mapped;
  }
  return target.model;
}

export function azureUrl(target: AdapterTarget, endpoint: "chat" | "embeddings"): string {
  const base = azureBaseUrl(target);
  const apiVersion = target.provider.options.api_version;
  const version =
    typeof apiVersion === "string" && apiVersion !== "" ? apiVersion : AZURE_DEFAULT_API_VERSION;
  const path = endpoint === "chat" ? "chat/completions" : "embeddings";
  const deployment = encodeURIComponent(azureDeployment(target));
  return `${base}/openai/deployments/${deployment}/${path}?api-version=${encodeURIComponent(version)}`;
}

/**
 * Azure's Responses API is on its v1 surface, `{base_url}/openai/v1/responses`, which takes no
 * `api-version` and names the deployment in the body's `model`.
 */
export function azureResponsesUrl(target: AdapterTarget, path: string): string {
  return `${azureBaseUrl(target)}/openai/v1/responses${path}`;
}

/**
 * Files and batches, also on the v1 surface: `{base_url}/openai/v1/files…`, `…/batches…`; a
 * batch's input lines name deployments in their `model`.
 */
export function azureStoredResourceUrl(provider: RuntimeProvider, resource: string, path: string) {
  return `${azureBaseUrl({ provider, model: "" })}/openai/v1/${resource}${path}`;
}

/** `https://<resource>.openai.azure.com`, accepted with a trailing slash or `/openai`. */
function azureBaseUrl(target: AdapterTarget): string {
  const base = target.provider.baseUrl;
  if (!base) {
    throw new GatewayError(
      "upstream_error",
      `azure provider "${target.provider.name}" has no base_url (https://<resource>.openai.azure.com)`,
    );
  }
  return base.replace(/\/+$/, "").replace(/\/openai$/, "");
}
