// The X-Modelux-* response headers of DESIGN §11, set in one place for every surface.
import type { ConversionWarning } from "#shared/canonical/warnings.ts";
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

/** At most this many codes, each at most this long: the header stays small whatever was dropped. */
const MAX_WARNING_CODES = 32;
const MAX_CODE_LENGTH = 96;

/**
 * `X-Modelux-Warnings`: what the answer dropped or changed, as comma-separated codes
 * `<type>:<subject>` (e.g. `unsupported-field:n`), each once, in the order they arose; the trace
 * has the messages. Subjects can carry a client's names (a tool's), so anything outside a plain
 * token alphabet becomes `_`. Undefined when nothing was dropped.
 */
export function warningsHeader(warnings: readonly ConversionWarning[]): string | undefined {
  if (warnings.length === 0) return undefined;
  const codes = new Set<string>();
  for (const warning of warnings) {
    if (codes.size === MAX_WARNING_CODES) break;
    const code = `${warning.type}:${warning.subject}`
      .replace(/[^A-Za-z0-9_.:[\]-]/g, "_")
      .slice(0, MAX_CODE_LENGTH);
    codes.add(code);
  }
  return [...codes].join(", ");
}
