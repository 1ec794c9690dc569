// The Management API's checks of a routing config at save time: the strict schema of
// shared/routing, its `@slug` references within the project, and every provider it names by
// `provider` one of the caller's org.
import { eq, or } from "drizzle-orm";
import type { RoutingConfig } from "#shared/routing/config-schema.ts";
import { configSlugOf, targetsOf } from "#shared/routing/targets.ts";
import {
  type ConfigProblem,
  findReferenceProblems,
  validateRoutingConfig,
} from "#shared/routing/validate.ts";
import { conflict, invalidField, ManagementError, notFound } from "../../api/errors.ts";
import { providers } from "../../db/schema/index.ts";
import type { Tenant } from "../../db/tenant.ts";
import { providerReferences } from "./references.ts";
import { currentConfigsOfProject } from "./service.ts";

const MAX_CONFIG_BYTES = 256 * 1024;

// A stored config the strict schema refuses (saved before it existed) is followed no further.
const UNCHECKED: RoutingConfig = { strategy: "single", model: "unchecked" };

/** `attempts[1].timeout_ms` under `body.config` → `body.config.attempts.1.timeout_ms`. */
const fieldOf = (field: string, path: string) =>
  path === "" ? field : `${field}.${path.replace(/\[(\d+)\]/g, ".$1")}`;

function invalidConfig(field: string, problems: ConfigProblem[]): ManagementError {
  const fields = problems.map((problem) => ({
    field: fieldOf(field, problem.path),
    message: problem.message,
  }));
  const summary = fields.map((problem) => `${problem.field}: ${problem.message}`).join("; ");
  return new ManagementError("invalid_request", `invalid routing config: ${summary}`, { fields });
}

/**
 * The full save-time check: the strict schema of every strategy (CEL included), then the
 * `@slug` references through the project's other current configs, both ways: what this config
 * reaches, and whether a config that reaches it would now nest too deep.
 */
export async function checkRoutingConfig(
  tenant: Tenant,
  projectId: string,
  slug: string,
  input: unknown,
  field = "body.config",
): Promise<RoutingConfig> {
  if (JSON.stringify(input).length > MAX_CONFIG_BYTES) {
    throw invalidField(field, `must be at most ${MAX_CONFIG_BYTES} bytes of JSON`);
  }
  const result = validateRoutingConfig(input);
  if (!result.ok) throw invalidConfig(field, result.errors);
  const stored = await currentConfigsOfProject(tenant, projectId);
  const parsed = new Map<string, RoutingConfig>();
  const lookup = (name: string): RoutingConfig | undefined => {
    if (name === slug) return result.config;
    const raw = stored.get(name);
    if (raw === undefined) return undefined;
    let config = parsed.get(name);
    if (!config) {
      const checked = validateRoutingConfig(raw);
      config = checked.ok ? checked.config : UNCHECKED;
      parsed.set(name, config);
    }
    return config;
  };
  const problems: ConfigProblem[] = findReferenceProblems(slug, result.config, lookup);
  if (problems.length === 0) {
    for (const other of stored.keys()) {
      if (other === slug) continue;
      const upstream = findReferenceProblems(other, lookup(other) ?? UNCHECKED, lookup).find(
        (problem) => problem.chain.includes(slug),
      );
      if (upstream)
        problems.push({ path: "", message: `@${other} names this config: ${upstream.message}` });
    }
  }
  if (problems.length > 0) throw invalidConfig(field, problems);
  return result.config;
}

/** Every `provider: "…"` must name (or be the id of) one of the org's providers. */
export async function checkProviderReferences(
  tenant: Tenant,
  value: unknown,
  field = "body.config",
): Promise<void> {
  for (const reference of providerReferences(value)) {
    if (reference.form !== "field") continue;
    const [found] = await tenant.rows(
      providers,
      or(eq(providers.id, reference.provider), eq(providers.name, reference.provider)),
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

/**
 * A config another live config of the project names cannot be deleted: those requests would
 * start failing with 404s. The caller changes the referencing configs first.
 */
export async function checkNotReferenced(tenant: Tenant, projectId: string, slug: string) {
  const stored = await currentConfigsOfProject(tenant, projectId);
  const referencing: string[] = [];
  for (const [other, raw] of stored) {
    if (other === slug) continue;
    const checked = validateRoutingConfig(raw);
    if (!checked.ok) continue;
    if (targetsOf(checked.config).some((target) => configSlugOf(target.model) === slug))
      referencing.push(`@${other}`);
  }
  if (referencing.length > 0)
    throw conflict(
      `routing config @${slug} is named by ${referencing.join(", ")}; change those first`,
      "routing_config",
      slug,
    );
}
