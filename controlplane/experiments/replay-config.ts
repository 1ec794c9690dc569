// What replay routes with: the project's snapshot as the fleet would compile it from Postgres,
// with the candidate config in place of the baseline's slug, compiled by the data plane's own
// `compileRuntimeConfig` so that `planRoute` decides exactly as a data plane would. Routing-only
// replay never calls a provider, so credentials are replaced by an empty secret sealed with a
// throwaway key: it decrypts nothing. (with_responses opens them in its replay plane.)
import { randomBytes } from "node:crypto";
import { SecretBox } from "#shared/crypto/secret-box.ts";
import type { SnapshotBody } from "#shared/snapshot/body.ts";
import {
  compileRuntimeConfig,
  type RuntimeApiKey,
  type RuntimeConfig,
} from "../../dataplane/in-process.ts";
import { invalidField, notFound } from "../api/errors.ts";
import type { Database } from "../db/client.ts";
import { scoped } from "../db/tenant.ts";
import { findAnyRoutingConfig, getVersion } from "../modules/routing-configs/service.ts";
import {
  checkProviderReferences,
  checkRoutingConfig,
} from "../modules/routing-configs/validate.ts";
import { compileSnapshotBody } from "../publisher/compile-snapshot.ts";

/** `slug@version`, optionally with the `@` of a model reference in front: `@cheap@3`. */
const VERSION_REFERENCE = /^@?([a-z0-9][a-z0-9_-]{0,62})@([1-9]\d{0,8})$/;

/** The candidate's version number in plans and traces: it is not saved anywhere yet. */
export const CANDIDATE_VERSION = 0;

export interface CandidateConfig {
  /** The routing config JSON to route with. */
  config: Record<string, unknown>;
  /** `inline`, or the `slug@version` it was loaded from. */
  source: string;
}

/**
 * The candidate as given (a config object, or `slug@version` of one of the project's configs),
 * checked as a save of `slug` would be: the strict schema, its `@slug` references within the
 * project, and the providers it names in the org.
 */
export async function resolveCandidateConfig(
  db: Database,
  scope: { orgId: string; projectId: string; slug: string },
  candidate: unknown,
  field: string,
): Promise<CandidateConfig> {
  let resolved: CandidateConfig;
  if (typeof candidate === "string") {
    const match = VERSION_REFERENCE.exec(candidate);
    if (!match) throw invalidField(field, 'must be a routing config object or "slug@version"');
    const [, slug = "", version = "0"] = match;
    const head = await findAnyRoutingConfig(db, scope.projectId, slug);
    if (!head) throw notFound("routing_config", slug);
    const stored = await getVersion(db, head, Number(version));
    resolved = { config: stored.config, source: `${slug}@${version}` };
  } else if (candidate !== null && typeof candidate === "object" && !Array.isArray(candidate)) {
    resolved = { config: candidate as Record<string, unknown>, source: "inline" };
  } else {
    throw invalidField(field, 'must be a routing config object or "slug@version"');
  }
  const tenant = scoped(db, scope.orgId);
  await checkRoutingConfig(tenant, scope.projectId, scope.slug, resolved.config, field);
  await checkProviderReferences(tenant, resolved.config, field);
  return resolved;
}

/** A sealed empty credential under a key nobody keeps, and the box that opens it. */
export function throwawayCredentials(): { box: SecretBox; sealed: string } {
  const box = new SecretBox(randomBytes(32));
  return { box, sealed: box.encrypt("") };
}

/**
 * The project's routing world with `config` standing in for `slug` (added when the project has
 * no config by that name): its org's providers and price overrides, the project's other configs
 * (a candidate may name them with `@slug`), no keys, and no budgets (replay reads a request's
 * budget use from its row) unless `budgets` asks for the org's (a dry run checks them).
 * Credentials stay sealed as stored.
 */
export async function replaySnapshotBody(
  db: Database,
  scope: { orgId: string; projectId: string; slug: string },
  config: Record<string, unknown>,
  options: { budgets?: boolean } = {},
): Promise<SnapshotBody> {
  const full = await compileSnapshotBody(db);
  const configs = full.routing_configs.filter(
    (entry) => entry.project_id === scope.projectId && entry.slug !== scope.slug,
  );
  configs.push({
    id: "replay-candidate",
    org_id: scope.orgId,
    project_id: scope.projectId,
    slug: scope.slug,
    version: CANDIDATE_VERSION,
    config,
  });
  return {
    orgs: full.orgs.filter((org) => org.id === scope.orgId),
    projects: full.projects.filter((project) => project.id === scope.projectId),
    api_keys: [],
    providers: full.providers.filter((provider) => provider.org_id === scope.orgId),
    routing_configs: configs,
    budgets: options.budgets ? full.budgets.filter((budget) => budget.org_id === scope.orgId) : [],
    price_overrides: (full.price_overrides ?? []).filter((entry) => entry.org_id === scope.orgId),
  };
}

/** The world of `replaySnapshotBody` compiled for routing only: no credential is opened. */
export async function replayRuntimeConfig(
  db: Database,
  scope: { orgId: string; projectId: string; slug: string },
  config: Record<string, unknown>,
): Promise<RuntimeConfig> {
  const body = await replaySnapshotBody(db, scope, config);
  const { box, sealed } = throwawayCredentials();
  body.providers = body.providers.map((provider) => ({ ...provider, credential: sealed }));
  const meta = { version: 0, sha256: "replay", createdAt: new Date().toISOString() };
  return compileRuntimeConfig(meta, body, box);
}

/** The key a replayed request is planned under: only its org and project matter to routing. */
export function replayKey(orgId: string, projectId: string, keyId: string | null): RuntimeApiKey {
  return {
    id: keyId ?? "replay",
    orgId,
    projectId,
    name: "replay",
    limits: null,
    expiresAt: null,
  };
}
