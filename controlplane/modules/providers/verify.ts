// Checks a provider credential before it is stored or swapped in: one cheap authenticated GET
// with a short timeout, under the egress policy. The result is a category ("refused by egress
// policy", "unreachable", "HTTP 4xx"), never the credential or the upstream's body (some vendors
// echo part of the key back).
import { failureCategory, httpCategory } from "#shared/egress/outcome.ts";
import type { EgressPolicy } from "#shared/egress/policy.ts";
import { probeBaseUrl, VENDOR_PROBES } from "./vendor-probes.ts";

export interface ProviderCheckInput {
  vendor: string;
  base_url: string | null;
  api_key: string;
  options: Record<string, unknown>;
}

export interface ProviderCheckResult {
  ok: boolean;
  status_code: number | null;
  latency_ms: number;
  /** What went wrong, for people; null when ok. */
  error: string | null;
  /** Which input the failure points at, for a field-level error. */
  field?: "api_key" | "base_url";
}

export type ProviderCheck = (input: ProviderCheckInput) => Promise<ProviderCheckResult>;

export function createProviderCheck(options: {
  timeoutMs: number;
  /** Where the check may go; without one, anywhere. */
  egress?: EgressPolicy;
  fetch?: typeof fetch;
}): ProviderCheck {
  const send = options.fetch ?? fetch;
  return async (input) => {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    const probe = VENDOR_PROBES[input.vendor];
    if (!probe) return failure(null, 0, `unknown vendor ${input.vendor}`);
    const base = probeBaseUrl(input.vendor, input.base_url, input.api_key);
    if (!base) return failure(null, 0, `base_url is required for ${input.vendor}`, "base_url");
    let request: Request;
    try {
      request = await probe.request(base, input.api_key, input.options);
    } catch {
      return failure(null, 0, "could not build the check request (bad base_url?)", "base_url");
    }
    // Only a category is reported, never the upstream's body, headers or error text: the check
    // must not become a way to read or map services the gateway can reach.
    try {
      await options.egress?.check(request.url);
      const response = await send(request, {
        signal: AbortSignal.timeout(options.timeoutMs),
        redirect: "manual",
      });
      await response.body?.cancel().catch(() => {});
      if (response.ok) {
        return { ok: true, status_code: response.status, latency_ms: elapsed(), error: null };
      }
      const rejected = response.status === 401 || response.status === 403;
      const category = httpCategory(response.status);
      return failure(
        response.status,
        elapsed(),
        rejected ? `the upstream rejected the credential (${category})` : category,
        rejected ? "api_key" : "base_url",
      );
    } catch (error) {
      return failure(null, elapsed(), failureCategory(error, options.timeoutMs), "base_url");
    }
  };
}

function failure(
  status: number | null,
  latency: number,
  error: string,
  field?: ProviderCheckResult["field"],
): ProviderCheckResult {
  return {
    ok: false,
    status_code: status,
    latency_ms: latency,
    error,
    ...(field ? { field } : {}),
  };
}
