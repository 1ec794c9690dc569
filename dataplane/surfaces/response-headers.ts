// The X-Modelux-* response headers of DESIGN §11, set in one place for every surface.
import type { RoutePlan } from "../routing/plan.ts";

export function modeluxHeaders(
  requestId: string,
  plan: RoutePlan | null,
  served: { provider: string; model: string } | null,
  overheadMs: number | null,
): Record<string, string> {
  const headers: Record<string, string> = { "x-modelux-request-id": requestId };
  if (plan?.config) headers["x-modelux-config"] = `${plan.config.slug}@${plan.config.version}`;
  if (plan?.abVariant) headers["x-modelux-ab-variant"] = plan.abVariant;
  if (served) {
    headers["x-modelux-provider-used"] = served.provider;
    headers["x-modelux-model-used"] = served.model;
  }
  if (overheadMs !== null) headers["x-modelux-overhead-ms"] = overheadMs.toFixed(3);
  return headers;
}
