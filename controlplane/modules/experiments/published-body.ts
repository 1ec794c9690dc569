// An experiment as modelux.ai's guide writes it (docs/guides/experiments, docs/compatibility.md),
// brought to our form before it is checked: camelCase fields are aliases (the operation's), and
// what needs the org is done here:
// - `candidatePolicy` (a strategy name) is the candidate object's `strategy`;
// - `provider_credential_id` in the candidate names a provider by id: ours by name (`provider`);
// - without `baseline_config`, the project's "default" config, or its only one, is the baseline.
import { eq, isNull } from "drizzle-orm";
import { invalidField } from "../../api/errors.ts";
import { routingConfigs } from "../../db/schema/index.ts";
import type { Tenant } from "../../db/tenant.ts";
import { getProvider } from "../providers/service.ts";
import { inOurForm } from "../routing-configs/published-forms.ts";

export const EXPERIMENT_FIELD_ALIASES = {
  projectId: "project_id",
  baselineConfig: "baseline_config",
  candidateConfig: "candidate_config",
  candidatePolicy: "candidate_policy",
  windowStart: "window_start",
  windowEnd: "window_end",
  sampleSize: "sample_size",
  spendCapUsd: "spend_cap_usd",
  responseComparison: "response_comparison",
  successCriteria: "success_criteria",
} as const;

export const DEFAULT_BASELINE_SLUG = "default";

interface PublishedFields {
  project_id: string;
  baseline_config?: string | undefined;
  candidate_config: string | Record<string, unknown>;
  candidate_policy?: string | undefined;
}

/** The baseline slug and the candidate in our form. */
export async function inOurTerms(
  tenant: Tenant,
  input: PublishedFields,
): Promise<{ baseline_config: string; candidate_config: string | Record<string, unknown> }> {
  return {
    baseline_config: input.baseline_config ?? (await defaultBaseline(tenant, input.project_id)),
    candidate_config: await candidateInOurForm(tenant, input),
  };
}

async function candidateInOurForm(tenant: Tenant, input: PublishedFields) {
  const candidate = input.candidate_config;
  if (typeof candidate === "string") {
    if (input.candidate_policy !== undefined) {
      throw invalidField(
        "body.candidate_policy",
        'applies to a candidate object, not to "slug@version"',
      );
    }
    return candidate;
  }
  const out: Record<string, unknown> = { ...candidate };
  if (input.candidate_policy !== undefined) {
    if (out.strategy !== undefined && out.strategy !== input.candidate_policy) {
      throw invalidField(
        "body.candidate_policy",
        `says ${input.candidate_policy} but candidate_config.strategy says ${String(out.strategy)}`,
      );
    }
    out.strategy = input.candidate_policy;
  }
  if ("provider_credential_id" in out) {
    if (out.provider !== undefined) {
      throw invalidField(
        "body.candidate_config.provider_credential_id",
        "is another way to name provider: send one of them",
      );
    }
    const id = out.provider_credential_id;
    if (typeof id !== "string") {
      throw invalidField("body.candidate_config.provider_credential_id", "must be a provider id");
    }
    delete out.provider_credential_id;
    try {
      out.provider = (await getProvider(tenant, id)).name;
    } catch {
      throw invalidField(
        "body.candidate_config.provider_credential_id",
        `the org has no provider ${id}`,
      );
    }
  }
  return inOurForm(out);
}

async function defaultBaseline(tenant: Tenant, projectId: string): Promise<string> {
  const live = await tenant.rows(
    routingConfigs,
    eq(routingConfigs.project_id, projectId),
    isNull(routingConfigs.deleted_at),
  );
  const chosen =
    live.find((row) => row.slug === DEFAULT_BASELINE_SLUG) ?? (live.length === 1 ? live[0] : null);
  if (!chosen) {
    throw invalidField(
      "body.baseline_config",
      `is required: the project has no "${DEFAULT_BASELINE_SLUG}" routing config and ` +
        `${live.length === 0 ? "none" : "several"} others`,
    );
  }
  return chosen.slug;
}
