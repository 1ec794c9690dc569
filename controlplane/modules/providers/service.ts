// Providers of one org. The credential is checked against the upstream before it is stored or
// swapped, kept as AES-256-GCM ciphertext, and shown only as a hint. A provider a routing config
// or budget names cannot be deleted or renamed from under it.
import { eq } from "drizzle-orm";
import { credentialHint } from "#shared/crypto/secret-box.ts";
import { newId } from "#shared/ids/ids.ts";
import { isUniqueViolation } from "../../api/db-errors.ts";
import { conflict, invalidField, ManagementError, notFound } from "../../api/errors.ts";
import type { ManagementServices } from "../../api/operation.ts";
import { iso, isoRequired } from "../../api/schemas.ts";
import { type ProviderRow, type ProviderVerification, providers } from "../../db/schema/index.ts";
import type { Tenant } from "../../db/tenant.ts";
import { budgetDowngradeTargets } from "../budgets/service.ts";
import { referencesProvider } from "../routing-configs/references.ts";
import { currentConfigs } from "../routing-configs/service.ts";
import type { ProviderView } from "./model.ts";
import { VENDOR_PROBES } from "./vendor-probes.ts";
import type { ProviderCheckInput } from "./verify.ts";

/** What the last credential check says, in one word (see providerView). */
export function verificationState(row: ProviderRow): ProviderView["verification"] {
  const last = row.last_verification;
  if (!last) return "unchecked";
  if (last.skipped) return "skipped";
  return last.ok ? "verified" : "failed";
}

export const viewProvider = (row: ProviderRow): ProviderView => ({
  id: row.id,
  name: row.name,
  vendor: row.vendor,
  base_url: row.base_url,
  options: row.options,
  credential_hint: row.credential_hint,
  status: row.status,
  verification: verificationState(row),
  verified_at: iso(row.verified_at),
  last_verification: row.last_verification ?? null,
  created_at: isoRequired(row.created_at),
  updated_at: isoRequired(row.updated_at),
});

export async function listProviders(
  tenant: Tenant,
  query: { limit?: number; cursor?: string; vendor?: string },
) {
  return tenant.page(
    providers,
    query,
    [query.vendor ? eq(providers.vendor, query.vendor) : undefined],
    viewProvider,
  );
}

export async function getProvider(tenant: Tenant, providerId: string) {
  const row = await tenant.find(providers, providerId);
  if (!row) throw notFound("provider", providerId);
  return row;
}

/**
 * Runs the upstream check; a failure is a 422 naming the field it points at. With
 * `verify: false` nothing is sent upstream and the record says the check was skipped (the
 * credential's shape is still checked: that needs no network).
 */
export async function verifyOrRefuse(
  services: ManagementServices,
  input: ProviderCheckInput,
  verify = true,
): Promise<ProviderVerification> {
  const problem = VENDOR_PROBES[input.vendor]?.credentialProblem?.(input.api_key);
  if (problem) throw invalidField("body.api_key", problem);
  if (!verify) return skippedVerification();
  const verification = await checkProvider(services, input);
  if (!verification.ok) {
    const field = verification.field ?? "api_key";
    throw new ManagementError("unprocessable", `provider check failed: ${verification.error}`, {
      fields: [{ field: `body.${field}`, message: verification.error ?? "check failed" }],
    });
  }
  return verification.record;
}

export function skippedVerification(): ProviderVerification {
  return {
    checked_at: new Date().toISOString(),
    ok: false,
    skipped: true,
    status_code: null,
    latency_ms: 0,
    error: "not verified: stored with verify: false",
  };
}

/** verified_at moves only with a check that passed. */
export const verifiedAt = (verification: ProviderVerification) =>
  verification.ok ? new Date(verification.checked_at) : null;

export async function checkProvider(services: ManagementServices, input: ProviderCheckInput) {
  const result = await services.verifyProvider(input);
  const record: ProviderVerification = {
    checked_at: new Date().toISOString(),
    ok: result.ok,
    status_code: result.status_code,
    latency_ms: result.latency_ms,
    error: result.error,
  };
  return { ...result, record };
}

export function decryptCredential(services: ManagementServices, row: ProviderRow): string {
  return services.secretBox.decrypt(row.credential_ciphertext);
}

export async function insertProvider(
  tenant: Tenant,
  services: ManagementServices,
  input: {
    vendor: string;
    name: string;
    api_key: string;
    base_url?: string | null;
    options?: Record<string, unknown>;
  },
  verification: ProviderVerification,
) {
  try {
    return await tenant.insert(providers, {
      id: newId("provider"),
      name: input.name,
      vendor: input.vendor,
      base_url: input.base_url ?? null,
      credential_ciphertext: services.secretBox.encrypt(input.api_key),
      credential_hint: credentialHint(input.api_key),
      options: input.options ?? {},
      verified_at: verifiedAt(verification),
      last_verification: verification,
    });
  } catch (error) {
    if (isUniqueViolation(error))
      throw conflict(`a provider named "${input.name}" exists`, "provider");
    throw error;
  }
}

export async function updateProviderRow(
  tenant: Tenant,
  providerId: string,
  values: Partial<typeof providers.$inferInsert>,
) {
  try {
    const row = await tenant.update(providers, providerId, { ...values, updated_at: new Date() });
    if (!row) throw notFound("provider", providerId);
    return row;
  } catch (error) {
    if (isUniqueViolation(error))
      throw conflict(`a provider named "${values.name}" exists`, "provider");
    throw error;
  }
}

/** The routing configs (current version) and budgets that name the provider. */
export async function providerUsers(tenant: Tenant, provider: ProviderRow) {
  const configs = await currentConfigs(tenant);
  const budgetRows = await budgetDowngradeTargets(tenant);
  return [
    ...configs
      .filter((row) => referencesProvider(row.config, provider))
      .map((row) => `routing config @${row.slug}`),
    ...budgetRows
      .filter((row) => referencesProvider(row.downgrade_to, provider))
      .map((row) => `budget "${row.name}"`),
  ];
}

export async function refuseWhileUsed(tenant: Tenant, provider: ProviderRow, doing: string) {
  const users = await providerUsers(tenant, provider);
  if (users.length > 0) {
    throw conflict(
      `cannot ${doing} provider "${provider.name}": used by ${users.join(", ")}`,
      "provider",
      provider.id,
    );
  }
}

export async function deleteProviderRow(tenant: Tenant, providerId: string) {
  await tenant.delete(providers, providerId);
}
