// The Management API's shape check of a routing config: a known strategy with its main field,
// within size, and every provider it names by `provider` one of the caller's org. The routing
// engine adds its full validation (targets, cycles, CEL) on top.
import { and, eq, or } from "drizzle-orm";
import { invalidField, ManagementError, notFound } from "../../api/errors.ts";
import type { Database } from "../../db/client.ts";
import { providers } from "../../db/schema/index.ts";
import { providerReferences } from "./references.ts";

const MAIN_FIELD: Record<string, { field: string; array: boolean }> = {
  single: { field: "model", array: false },
  fallback: { field: "attempts", array: true },
  cost_optimized: { field: "allowed_models", array: true },
  latency_optimized: { field: "candidates", array: true },
  ensemble: { field: "members", array: true },
  ab_test: { field: "variants", array: true },
  cascade: { field: "steps", array: true },
  custom_rules: { field: "rules", array: true },
};
export const STRATEGIES = Object.keys(MAIN_FIELD);

const MAX_CONFIG_BYTES = 256 * 1024;

export function checkConfigShape(config: Record<string, unknown>, field = "body.config"): void {
  if (JSON.stringify(config).length > MAX_CONFIG_BYTES) {
    throw invalidField(field, `must be at most ${MAX_CONFIG_BYTES} bytes of JSON`);
  }
  const strategy = config.strategy;
  const main = typeof strategy === "string" ? MAIN_FIELD[strategy] : undefined;
  if (!main) {
    throw invalidField(`${field}.strategy`, `must be one of ${STRATEGIES.join(", ")}`);
  }
  const value = config[main.field];
  const present = main.array
    ? Array.isArray(value) && value.length > 0
    : typeof value === "string" || (value !== null && typeof value === "object");
  if (!present) {
    throw invalidField(
      `${field}.${main.field}`,
      main.array
        ? `a ${strategy} config needs a non-empty ${main.field} array`
        : `a ${strategy} config needs ${main.field} (a target or {model, provider?})`,
    );
  }
}

/** Every `provider: "…"` must name (or be the id of) one of the org's providers. */
export async function checkProviderReferences(
  db: Database,
  orgId: string,
  value: unknown,
  field = "body.config",
): Promise<void> {
  for (const reference of providerReferences(value)) {
    if (reference.form !== "field") continue;
    const [found] = await db
      .select({ id: providers.id })
      .from(providers)
      .where(
        and(
          eq(providers.org_id, orgId),
          or(eq(providers.id, reference.provider), eq(providers.name, reference.provider)),
        ),
      );
    if (!found) {
      const error = notFound("provider", reference.provider);
      throw new ManagementError(
        "not_found",
        `${field}${reference.path.replaceAll("/", ".")}: provider ${reference.provider} not found`,
        {
          ...error.extra,
          fields: [
            {
              field: `${field}${reference.path.replaceAll("/", ".")}`,
              message: "no such provider in this org",
            },
          ],
        },
      );
    }
  }
}
