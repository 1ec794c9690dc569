// Projects of one org. Deleting a project removes its keys and configs with it (the snapshot
// drops them) and tells the fleet at once that its keys are revoked.
import { eq, isNull } from "drizzle-orm";
import { newId } from "#shared/ids/ids.ts";
import { readProjectLimits } from "#shared/snapshot/project-limits.ts";
import { isUniqueViolation } from "../../api/db-errors.ts";
import { conflict, notFound } from "../../api/errors.ts";
import { isoRequired } from "../../api/schemas.ts";
import { apiKeys, type ProjectRow, projects } from "../../db/schema/index.ts";
import type { Tenant } from "../../db/tenant.ts";
import {
  DEFAULT_SETTINGS,
  PROVIDER_KEY_POLICIES,
  type ProjectSettings,
  type ProjectSettingsInput,
  type ProjectView,
} from "./model.ts";

/** Stored settings with defaults filled in; unknown stored keys are left out of the view. */
export function readSettings(stored: Record<string, unknown>): ProjectSettings {
  const redaction = (stored.redaction ?? {}) as Partial<ProjectSettings["redaction"]>;
  return {
    ...readProjectLimits(stored),
    auto_resolve_bare_model:
      typeof stored.auto_resolve_bare_model === "boolean"
        ? stored.auto_resolve_bare_model
        : DEFAULT_SETTINGS.auto_resolve_bare_model,
    capture_content:
      typeof stored.capture_content === "boolean"
        ? stored.capture_content
        : DEFAULT_SETTINGS.capture_content,
    redaction: {
      enabled: redaction.enabled ?? DEFAULT_SETTINGS.redaction.enabled,
      builtin: redaction.builtin ?? [],
      patterns: redaction.patterns ?? [],
      replacement: redaction.replacement ?? DEFAULT_SETTINGS.redaction.replacement,
    },
    trace_retention_days:
      typeof stored.trace_retention_days === "number"
        ? stored.trace_retention_days
        : DEFAULT_SETTINGS.trace_retention_days,
    provider_keys:
      PROVIDER_KEY_POLICIES.find((policy) => policy === stored.provider_keys) ??
      DEFAULT_SETTINGS.provider_keys,
  };
}

/** The full settings after applying a partial update (top-level keys replace). */
export function mergeSettings(
  stored: Record<string, unknown>,
  input: ProjectSettingsInput = {},
): ProjectSettings {
  const current = readSettings(stored);
  return readSettings({
    ...current,
    ...input,
    ...(input.redaction
      ? { redaction: { ...DEFAULT_SETTINGS.redaction, ...input.redaction } }
      : {}),
  });
}

export const viewProject = (row: ProjectRow): ProjectView => ({
  id: row.id,
  name: row.name,
  slug: row.slug,
  description: row.description,
  settings: readSettings(row.settings),
  created_at: isoRequired(row.created_at),
  updated_at: isoRequired(row.updated_at),
});

export async function listProjects(tenant: Tenant, query: { limit?: number; cursor?: string }) {
  return tenant.page(projects, query, [], viewProject);
}

/** The project, if it is the org's; 404 otherwise (another org's project does not exist here). */
export async function getProject(tenant: Tenant, projectId: string) {
  const row = await tenant.find(projects, projectId);
  if (!row) throw notFound("project", projectId);
  return row;
}

export async function createProject(
  tenant: Tenant,
  input: { name: string; slug?: string; description?: string; settings?: ProjectSettingsInput },
) {
  const slug = input.slug ?? slugFromName(input.name);
  try {
    return await tenant.insert(projects, {
      id: newId("project"),
      name: input.name,
      slug,
      description: input.description ?? null,
      settings: mergeSettings({}, input.settings),
    });
  } catch (error) {
    if (isUniqueViolation(error)) {
      throw conflict(`a project with slug "${slug}" exists`, "project");
    }
    throw error;
  }
}

/**
 * A slug for a project created without one (modelux.ai's projects API takes only a name): lower
 * case, every run of other characters a `-`, at most 63 characters; "project" when nothing is left.
 */
export function slugFromName(name: string): string {
  const slug = name
    .normalize("NFKD")
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, "-")
    .replace(/^[-_]+|-+$/g, "")
    .slice(0, 63)
    .replace(/-+$/, "");
  return slug === "" ? "project" : slug;
}

export async function updateProject(
  tenant: Tenant,
  existing: ProjectRow,
  input: { name?: string; description?: string | null; settings?: ProjectSettingsInput },
) {
  const row = await tenant.update(projects, existing.id, {
    ...(input.name ? { name: input.name } : {}),
    ...(input.description !== undefined ? { description: input.description } : {}),
    ...(input.settings ? { settings: mergeSettings(existing.settings, input.settings) } : {}),
    updated_at: new Date(),
  });
  if (!row) throw notFound("project", existing.id);
  return row;
}

/** Deletes the project; returns its live keys so the caller can announce their revocation. */
export async function deleteProject(tenant: Tenant, existing: ProjectRow) {
  const liveKeys = await tenant.rows(
    apiKeys,
    eq(apiKeys.project_id, existing.id),
    isNull(apiKeys.revoked_at),
  );
  await tenant.delete(projects, existing.id);
  return liveKeys.map((key) => ({ id: key.id, key_hash: key.key_hash }));
}
