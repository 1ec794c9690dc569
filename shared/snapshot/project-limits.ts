// Per-minute limits of proxy keys (docs/limits.md): what the Management API accepts for a key's
// `rpm_limit` / `tpm_limit` and for a project's defaults in its settings, and how a data plane
// reads the defaults from a snapshot's project settings (leniently: a value it cannot use is no
// limit, never a snapshot refused).
import * as v from "valibot";

export const MAX_RPM_LIMIT = 1_000_000;
export const MAX_TPM_LIMIT = 1_000_000_000;

export const rpmLimitValue = v.pipe(
  v.number(),
  v.integer(),
  v.minValue(1),
  v.maxValue(MAX_RPM_LIMIT),
);
export const tpmLimitValue = v.pipe(
  v.number(),
  v.integer(),
  v.minValue(1),
  v.maxValue(MAX_TPM_LIMIT),
);

const projectLimitsRead = v.object({
  rpm_limit: v.fallback(v.nullable(rpmLimitValue), null),
  tpm_limit: v.fallback(v.nullable(tpmLimitValue), null),
});

export type ProjectLimits = v.InferOutput<typeof projectLimitsRead>;

const NO_LIMITS: ProjectLimits = Object.freeze({ rpm_limit: null, tpm_limit: null });

/** A project's default limits for keys without their own; none when its settings set none. */
export function readProjectLimits(settings: Record<string, unknown> | undefined): ProjectLimits {
  if (settings === undefined || (!("rpm_limit" in settings) && !("tpm_limit" in settings)))
    return NO_LIMITS;
  return v.parse(projectLimitsRead, settings);
}
